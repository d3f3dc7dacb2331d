"""A paper merged from several sources says, below its abstract, which source gave each field."""

from helpers.pilot import abstract_text, settle
from reader.app import ReaderApp
from reader.library import Library

PREPRINT = "@misc{akiba2019, title = {Optuna: A Next-generation Hyperparameter Optimization Framework}, publisher = {arXiv}}\n"
JOURNAL = (
    "@inproceedings{akiba2019kdd, title = {Optuna: A Next-generation Hyperparameter Optimization Framework},"
    " booktitle = {Proceedings of KDD}, pages = {2623--2631}}\n"
)


async def test_the_pane_names_the_source_of_each_field_of_a_merged_paper(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "preprint.bib").write_text(PREPRINT)
    (tmp_path / "journal.bib").write_text(JOURNAL)
    Library.open(home, seed=False).import_paths([tmp_path / "preprint.bib", tmp_path / "journal.bib"])
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = abstract_text(app)
        assert "Which source gave what:" in shown
        assert "venue: journal.bib #1 (bibtex)" in shown
        assert "publisher: preprint.bib #1 (bibtex)" in shown
