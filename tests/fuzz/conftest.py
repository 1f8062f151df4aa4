"""The fuzz tests share the security tests' fixtures: Quảng Ninh data, a Hạ Long editor, open mergers."""

from tests.security.conftest import (  # noqa: F401
    _fast_passwords,
    _fresh_throttles,
    _quang_ninh_for_module,
    limited,
    open_mergers,
    quang_ninh,
)
