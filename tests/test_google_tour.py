"""`make demo-google` must keep telling the truth: every step of the tour ends as it says."""
from tools.google_tour import tour


def test_the_google_tour_ends_every_step_as_described(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DLB_CACHE_DIR", str(tmp_path / "cache"))   # restored after the test
    assert tour(tmp_path) == 0
    out = capsys.readouterr().out
    assert "Nothing changed since the last cycle; wrote nothing." in out
    assert out.count("-> exit 3;") == 2 and out.count("-> exit 2;") == 1
