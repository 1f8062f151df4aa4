"""API throttle rates from the environment; "off" switches a throttle off."""

from config.settings import throttle_rate


def test_throttle_rate(monkeypatch):
    monkeypatch.setenv("API_THROTTLE_USER", "off")
    assert throttle_rate("API_THROTTLE_USER", "1200/minute") is None
    monkeypatch.setenv("API_THROTTLE_USER", "30/second")
    assert throttle_rate("API_THROTTLE_USER", "1200/minute") == "30/second"
    monkeypatch.delenv("API_THROTTLE_USER")
    assert throttle_rate("API_THROTTLE_USER", "1200/minute") == "1200/minute"
