"""Zero-cost proxy columns we computed ourselves (``data/proxies/nb201_proxies.parquet``).

The file holds one row per (network variant, NB201 class representative, proxy), computed
with :func:`nasbench.proxies.compute_table` (training-free, at initialisation, on a seeded
synthetic input; see ``docs/proxies.md``). The recipe joins each proxy to the NB201 table of
the same variant (``cifar10``, ``cifar100``, ``imagenet16-120``) as a column named after the
proxy (``synflow``, ``naswot``, ...), the representative's value spread to every member of
its isomorphism class, and exposes every row in SQL as the ``proxies`` view (with a
``propagated`` flag for the members that did not compute it themselves).

Columns are ``split="none"``: no data split is evaluated (nothing is trained), so an
optimizer may observe them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nasbench.recipes._base import DATA_DIR, Recipe, TableData, sha256_of
from nasbench.store._metrics import MetricInfo

if TYPE_CHECKING:
    import pandas as pd

PROXY_FILE = DATA_DIR / "proxies" / "nb201_proxies.parquet"
#: Proxies that already exist in the NB201 tables under another name (published / graph-
#: counted): not joined again.
_NOT_JOINED = {"params": "params_exact", "flops": "flops"}


class ProxyRecipe(Recipe):
    """Our training-free proxy table, joined to the NB201 tables (``augment``) and exposed
    as the long ``proxies`` SQL view."""

    name = "nasbench_proxies"

    def __init__(self, path: Path = PROXY_FILE) -> None:
        self.path = path
        self._rows: pd.DataFrame | None = None

    def sources(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        return {self.name: {
            "title": "nasbench zero-cost proxy table (our own computation)",
            "citation": "nasbench project, computed with nasbench.proxies.compute_table; "
                        "proxy definitions cited in docs/proxies.md",
            "data_licence": "Apache-2.0",
            "package": "nasbench",
            "package_version": "repository data/proxies",
            "installed_version": "repository",
            "files": {self.path.stem: {"path": str(self.path), "sha256": sha256_of(self.path),
                                       "bytes": self.path.stat().st_size}},
        }}

    def rows(self) -> pd.DataFrame:
        """The shipped rows (read once per build)."""
        if self._rows is None:
            import pandas as pd

            self._rows = (pd.read_parquet(self.path) if self.path.exists()
                          else pd.DataFrame(columns=["space", "dataset", "arch", "cell",
                                                     "proxy", "value"]))
        return self._rows

    def augment(self, data: TableData) -> None:
        from nasbench.proxies._meta import INFO
        from nasbench.proxies._table import proxy_lookup
        from nasbench.spaces import get_space

        if data.source != "measured" or data.space != "nb201":
            return
        rows = self.rows()
        sel = rows[(rows["space"] == "nb201") & (rows["dataset"] == data.dataset)]
        if sel.empty:
            return
        space = get_space("nb201")
        n_classes = len(np.unique(space.isomorphism_classes()))
        present = ~np.all(np.isnan(np.stack(list(data.values.values()))), axis=0)
        added = False
        for proxy in sorted(set(sel["proxy"]), key=list(INFO).index):
            if proxy in _NOT_JOINED or proxy in data.values:
                continue
            rows_p = sel[sel["proxy"] == proxy]
            full = proxy_lookup(proxy, data.dataset, rows_p)
            col = full[data.keys]
            ok = rows_p["value"].notna()
            first = rows_p.iloc[0]
            info = INFO[proxy]
            data.values[proxy] = np.where(present, col[:, None], np.nan)
            data.metrics[proxy] = MetricInfo(
                proxy, "score", "max", "none", "training-free: network at initialisation",
                "0 epochs (no training)", self.name, False,
                f"computed, training-free zero-cost proxy ({info.summary}; {info.citation}). "
                f"Input: {first['input']}; network variant {data.dataset}. Coverage: "
                f"{int(ok.sum())} of {n_classes} isomorphism classes computed "
                f"({int((~np.isnan(col)).sum())} of {len(data.keys)} cells with the class "
                f"value propagated), {int((~ok).sum())} failed (no score, see the proxies "
                "view's error column). Claimed direction: larger is better.")
            added = True
        if added:
            data.sources.append((self.name, self.path.stem))

    def extra_tables(self) -> dict[str, Any]:
        return {"proxies": self._view()}

    def _view(self) -> pd.DataFrame:
        """Every row spread to the members of its class, ``propagated`` where copied."""
        import pandas as pd

        from nasbench.spaces import get_space

        rows = self.rows()
        if rows.empty:
            return rows.assign(propagated=pd.Series(dtype=bool))
        space = get_space("nb201")
        reps = space.isomorphism_classes()
        rows = rows.assign(_class=reps[space.keys(rows["cell"].tolist())])
        members = pd.DataFrame({"_class": reps, "_member": np.arange(reps.size)})
        out = rows.merge(members, on="_class")
        member_archs = [space.to_string(space.from_key(int(k))) for k in range(reps.size)]
        out["propagated"] = out["_member"].to_numpy() != space.keys(out["cell"].tolist())
        out["arch"] = [member_archs[int(k)] for k in out["_member"]]
        return out.drop(columns=["_class", "_member"]).reset_index(drop=True)
