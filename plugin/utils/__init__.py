"""What the command-line tools share (:mod:`plugin.utils.cli`)."""
