"""An uploaded model.pt that holds Python objects is refused in our own words: PyTorch's advice to
retry with weights_only=False (which would run the file's code) is never passed on."""

from __future__ import annotations

import io
import pickle

import pytest
import torch

from netcanvas import model_file


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def _torch_file(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


CASES = {
    "evil.pt": (_torch_file({"format": model_file.FORMAT, "graph": "{}", "state_dict": {}, "x": Evil()}),
                ("evil.pt is not a loadable netcanvas model.pt: it holds Python objects (print) that would have "
                "to be unpickled; refused: netcanvas never unpickles uploaded files.")),
    "raw.pt": (pickle.dumps(Evil()), "raw.pt is not a loadable netcanvas model.pt: it is a pickle or a damaged file"),
    "junk.pt": (b"junk, not a pickle", ("junk.pt is not a loadable netcanvas model.pt: it is not a complete file "
                                       "written by torch.save")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_file_refuses_in_our_words(name, capsys):
    data, message = CASES[name]
    with pytest.raises(model_file.ModelFileError) as err:
        model_file.read(data, name=name)
    assert str(err.value).startswith(message)
    assert "never unpickles uploaded files" in str(err.value) or name == "junk.pt"
    assert "weights_only" not in str(err.value) and "trusted source" not in str(err.value)
    assert "pwned" not in capsys.readouterr().out


def test_the_import_route_answers_422_with_the_sentence(client, capsys):
    data, message = CASES["evil.pt"]
    r = client.post("/api/models/import", files={"file": ("evil.pt", data)})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith(message)
    assert "weights_only" not in r.text and "pwned" not in capsys.readouterr().out
