"""What the side-by-side benchmarks against PyTorch share: the paths, the datasets, the common options, and the PyTorch side's
reference module (../shared/bench/reference_gradcam.py, the paper's CVAE rebuilt from a checkpoint) loaded on the threads the kit gets.
"""
import importlib.util, os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
DATA = {"symbols": "symbols/augmented_symbols.npy", "eog": "eog/time_series_positions.npy"}


def add_common_arguments(parser):
    """--threads, --reference, --checkpoints, --data and --saliency, with the defaults both benchmarks use."""
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reference", default=os.path.join(SHARED, "bench", "reference_gradcam.py"))
    parser.add_argument("--checkpoints", default=os.path.join(ROOT, "models", "original"),
                        help="the authors' symbols.ckpt and eog.ckpt (default: models/original, which the tests and the notebooks fetch)")
    parser.add_argument("--data", default=os.path.join(ROOT, "data"))
    parser.add_argument("--saliency", default=os.path.join(ROOT, "saliency"))


def load_reference(args):
    """Sets torch's threads to --threads and loads --reference; returns the module and the environment for the kit's processes."""
    import torch
    torch.set_num_threads(args.threads)
    spec = importlib.util.spec_from_file_location("reference_gradcam", args.reference)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    return reference, dict(os.environ, OMP_NUM_THREADS=str(args.threads))
