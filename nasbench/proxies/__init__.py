"""Zero-cost (training-free) proxies of network quality, for NB201 cells and any torch module.

>>> from nasbench.proxies import compute_proxies, synthetic_batch    # doctest: +SKIP
>>> compute_proxies("333333", ["synflow", "naswot"], seed=0)          # doctest: +SKIP

Proxies: ``synflow``, ``naswot``, ``jacob_cov``, ``snip``, ``grad_norm``, ``grasp``,
``fisher``, ``epsinas``, ``zen``, ``params``, ``flops`` (definitions, inputs and citations in
:data:`INFO` and ``docs/proxies.md``). Computing them needs the torch extra
(``pip install 'nasbench[torch]'``); importing this package does not import torch, and
:func:`proxy_table` (our precomputed NB201 table) needs only pandas.
"""

from __future__ import annotations

from nasbench._optional import lazy_attributes
from nasbench.proxies._meta import (
    DATA_FREE,
    INFO,
    NEEDS_LABELS,
    PROXIES,
    SYNTHETIC_BATCH_SIZE,
    ProxyError,
    ProxyInfo,
)

__all__ = ["DATA_FREE", "INFO", "NEEDS_LABELS", "PROXIES", "SYNTHETIC_BATCH_SIZE", "ProxyBatch",
           "ProxyError", "ProxyInfo", "compute_proxies", "compute_table", "init_weights",
           "load_batch", "nb201_module", "proxy_table", "read_table_checkpoint",
           "synthetic_batch", "proxy_lookup"]

_LAZY = {
    "ProxyBatch": "nasbench.proxies._inputs",
    "synthetic_batch": "nasbench.proxies._inputs",
    "load_batch": "nasbench.proxies._inputs",
    "compute_proxies": "nasbench.proxies._measures",
    "init_weights": "nasbench.proxies._measures",
    "nb201_module": "nasbench.proxies._measures",
    "compute_table": "nasbench.proxies._table",
    "read_table_checkpoint": "nasbench.proxies._table",
    "proxy_table": "nasbench.proxies._table",
    "proxy_lookup": "nasbench.proxies._table",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
