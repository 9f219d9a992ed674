"""enforce_reports: clean reports logged at INFO, warned ones at WARNING,
and any error raises DatasetCheckError with the failed reports in full."""
import pytest

from plugin.datasets.check.report import (CocoCheckReport, DatasetCheckError,
                                          enforce_reports)


def test_enforce_reports_logs_warnings_and_raises_on_errors(monkeypatch):
    logged = []
    monkeypatch.setattr(
        'plugin.datasets.check.report.print_log',
        lambda msg, logger, level: logged.append((level, msg)))
    clean = CocoCheckReport('clean.json')
    warned = CocoCheckReport('warned.json', warnings=['odd thing'])
    enforce_reports([clean, warned])
    assert [level for level, _ in logged] == [20, 30]  # INFO, WARNING
    assert 'WARNING: odd thing' in logged[1][1]
    broken = CocoCheckReport('broken.json', errors=['bad thing'])
    with pytest.raises(DatasetCheckError) as err:
        enforce_reports([clean, broken])
    assert isinstance(err.value, ValueError)
    assert 'broken.json' in str(err.value)
    assert 'ERROR: bad thing' in str(err.value)
    assert 'dataset_check=dict(enabled=False)' in str(err.value)
