from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
CORPORA = ROOT.parent / "shared" / "corpora"  # read-only sample data beside the checkout (see its README)
