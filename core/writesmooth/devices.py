"""Which device a ``--device`` request means: the one resolver every command and model uses."""
from __future__ import annotations

from .errors import WritesmoothError

CHOICES = "auto, cpu, cuda or cuda:N"


def resolve_device(request: str | None, local_rank: int = 0) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` -> the GPU of this
    process (``local_rank`` under torchrun); asking for CUDA without one, or for an unknown
    device, is one clear error. Returns a torch device string such as ``cpu`` or ``cuda:0``.
    Without torch installed, ``auto`` is ``cpu`` (a model without torch decides for itself)."""
    request = (request or "auto").strip().lower()
    if request not in ("auto", "cpu", "cuda") and not _cuda_index(request):
        raise WritesmoothError(f"unknown device '{request}' (use {CHOICES})")
    if request == "cpu":
        return "cpu"
    try:
        import torch
    except ImportError:
        if request == "auto":
            return "cpu"
        raise WritesmoothError(f"--device {request}: torch is not installed") from None
    available = torch.cuda.is_available()
    if request == "auto":
        request = "cuda" if available else "cpu"
        if request == "cpu":
            return "cpu"
    if not available:
        raise WritesmoothError(f"--device {request}: no CUDA GPU is available here "
                               f"(torch {torch.__version__}); use --device cpu or auto")
    if request == "cuda":
        return f"cuda:{local_rank % torch.cuda.device_count()}"
    return request


def _cuda_index(request: str) -> bool:
    head, sep, index = request.partition(":")
    return head == "cuda" and sep == ":" and index.isdigit()
