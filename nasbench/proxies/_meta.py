"""What every zero-cost proxy is, without torch: names, inputs, direction, citation.

Importing this module never imports torch (the recipe and the predictors read it).
"""

from __future__ import annotations

from dataclasses import dataclass

from nasbench.errors import NasbenchError, unknown_choice_message

__all__ = ["ProxyError", "ProxyInfo", "PROXIES", "INFO", "DATA_FREE", "NEEDS_LABELS",
           "check_proxies", "SYNTHETIC_BATCH_SIZE"]

#: Images in the default seeded Gaussian batch (the size our table was computed with).
SYNTHETIC_BATCH_SIZE = 64


class ProxyError(NasbenchError, ValueError):
    """A proxy that cannot be computed as asked (wrong input, NaN or infinite result)."""


@dataclass(frozen=True)
class ProxyInfo:
    """One proxy: its input needs, which way is better, and where it was defined.

    Attributes:
        name: proxy name (also its column in the proxy table).
        input: ``"none"`` (no input at all: computed from the weights or the graph),
            ``"images"`` (a batch of images, no labels) or ``"labels"`` (images and labels;
            a loss is differentiated).
        direction: ``"max"``: a larger score is claimed to mean a better network.
        citation: the paper that defined it.
        summary: what it measures, in one line.
    """

    name: str
    input: str
    direction: str
    citation: str
    summary: str


_INFO = (
    ProxyInfo("synflow", "none", "max",
              "Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020 (arXiv:2006.05467); used as a NAS "
              "proxy by Abdelfattah et al., ICLR 2021 (arXiv:2101.08134)",
              "sum of |theta * dR/dtheta| over conv/linear weights, R = sum of the output of "
              "the network with |weights| on an all-ones input (no data)"),
    ProxyInfo("naswot", "images", "max",
              "Mellor, Turner, Storkey & Crowley, ICML 2021 (arXiv:2006.04647)",
              "log|det K| of the kernel K_ij = (#ReLUs) - Hamming distance between the binary "
              "ReLU activation codes of images i and j"),
    ProxyInfo("jacob_cov", "images", "max",
              "Mellor, Turner, Storkey & Crowley, arXiv:2006.04647 v1 (2020); Abdelfattah et "
              "al., ICLR 2021",
              "-sum_i [log(l_i + k) + 1/(l_i + k)], l_i the eigenvalues of the correlation "
              "matrix of the per-image input Jacobians, k = 1e-5"),
    ProxyInfo("snip", "labels", "max",
              "Lee, Ajanthan & Torr, ICLR 2019 (arXiv:1810.02340); Abdelfattah et al., ICLR 2021",
              "sum of |theta * dL/dtheta| over conv/linear weights, L the cross-entropy loss"),
    ProxyInfo("grad_norm", "labels", "max", "Abdelfattah et al., ICLR 2021 (arXiv:2101.08134)",
              "sum over conv/linear layers of the Euclidean norm of dL/dW"),
    ProxyInfo("grasp", "labels", "max",
              "Wang, Zhang & Grosse, ICLR 2020 (arXiv:2002.07376); Abdelfattah et al., ICLR 2021",
              "sum of -theta * (H g) over conv/linear weights, g = dL/dtheta, H the Hessian"),
    ProxyInfo("fisher", "labels", "max",
              "Theis, Korshunova, Tejani & Huszar, arXiv:1801.05787 (2018); Turner et al., ICLR "
              "2020; Abdelfattah et al., ICLR 2021",
              "sum over the channels of every conv output of 0.5 * mean over images of "
              "(sum over positions of activation * dL/dactivation)^2"),
    ProxyInfo("epsinas", "images", "max",
              "Sinha & Chen, 'Extensible and efficient proxy for neural architecture search', "
              "ICCV 2023",
              "mean |y1 - y2| of the standardised outputs of the network with every weight set "
              "to one shared constant, for two constants"),
    ProxyInfo("zen", "images", "max",
              "Lin, Wang, Sun, Chen, Sun, Qian, Li & Jin, ICCV 2021 (arXiv:2102.01063)",
              "log E||f(x) - f(x + 0.01 e)||_F of the pre-pooling features of a Gaussian-"
              "initialised network, plus sum over BN layers of log sqrt(mean batch variance)"),
    ProxyInfo("params", "none", "max", "baseline (Abdelfattah et al., ICLR 2021, report it)",
              "number of trainable parameters of the module"),
    ProxyInfo("flops", "none", "max", "baseline (Abdelfattah et al., ICLR 2021, report it)",
              "FLOPs of one image: 2 per multiply-accumulate of every conv and linear layer "
              "(plus 1 per output with a bias)"),
)
#: name -> :class:`ProxyInfo`.
INFO: dict[str, ProxyInfo] = {p.name: p for p in _INFO}
#: Every proxy name, in a fixed order.
PROXIES: tuple[str, ...] = tuple(INFO)
DATA_FREE: tuple[str, ...] = tuple(p.name for p in _INFO if p.input == "none")
NEEDS_LABELS: tuple[str, ...] = tuple(p.name for p in _INFO if p.input == "labels")


def check_proxies(names: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``names`` as a tuple of known proxy names (``"all"``: every proxy); else raise."""
    if isinstance(names, str):
        names = list(PROXIES) if names == "all" else [names]
    for n in names:
        if n not in INFO:
            raise ProxyError(unknown_choice_message("proxy", n, PROXIES))
    return tuple(names)
