"""Fixtures of the campaign tests: a small campaign and its results run serially
(the reference the other executors must reproduce bit for bit).

The smoke scenario cut to 300 s keeps a run near half a second; planes = 0 makes
two of the six design points invalid, so their runs are stored as failed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from campaign_testing import CAMPAIGN

from tracklayer.campaign.executor import sweep
from tracklayer.campaign.spec import load_campaign


@pytest.fixture(scope="session")
def campaign_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("campaign") / "test-campaign.yaml"
    path.write_text(CAMPAIGN)
    return path


@pytest.fixture(scope="session")
def serial_store(campaign_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial")
    summary = sweep(load_campaign(campaign_file), out, workers=0)
    assert summary.stored == summary.total == 12 and not summary.interrupted
    return out
