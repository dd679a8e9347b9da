"""GET /api/templates and /api/templates/{name}: the listing, a sized graph, and the refusals."""

from __future__ import annotations


def test_listing_names_every_architecture_with_its_rules(client):
    r = client.get("/api/templates")
    assert r.status_code == 200
    body = r.json()
    by_name = {t["name"]: t for t in body["data"]}
    assert body["count"] == 6
    assert set(by_name) == {"vgg16", "vgg19", "resnet50", "inception_v3", "mobilenet_v2", "xception"}
    inc = by_name["inception_v3"]
    assert (inc["default_input_size"], inc["min_input_size"], inc["keras"]) == (299, 75, "keras.applications.InceptionV3")
    vgg = {v["include_top"]: v for v in by_name["vgg16"]["variants"]}
    # Keras's model.summary() for VGG16 at 224: 138,357,544 with the top, 14,714,688 without
    assert (vgg[True]["total_params"], vgg[False]["total_params"]) == (138_357_544, 14_714_688)
    res = {v["include_top"]: v for v in by_name["resnet50"]["variants"]}
    assert (res[False]["trainable_params"], res[False]["non_trainable_params"]) == (23_534_592, 53_120)


def test_sized_graph_validates_with_the_chosen_size_and_classes(client):
    r = client.get("/api/templates/vgg16", params={"include_top": "true", "input_size": 64, "classes": 5})
    assert r.status_code == 200, r.text
    graph = r.json()
    assert graph["format"] == "netcanvas.graph/1"
    assert graph["nodes"][0]["params"]["shape"] == [3, 64, 64]
    report = client.post("/api/graphs/validate", json=graph).json()
    assert report["ok"], report["problems"]
    assert report["nodes"]["predictions"]["output_shapes"] == [[5]]
    assert report["nodes"]["flatten"]["output_shapes"] == [[512 * 2 * 2]]


def test_notop_ends_at_the_last_pool(client):
    graph = client.get("/api/templates/vgg16", params={"include_top": "false", "input_size": 32}).json()
    # grouped by Keras's naming (graph/grouping.py): the last block's output is its pool
    assert graph["outputs"] == ["block5"] and graph["blocks"]["block5"]["outputs"] == ["block5_pool"]
    assert not [n for n in graph["nodes"] if n["type"] == "Dense"]


def test_input_size_below_the_minimum_is_a_422_naming_the_field(client):
    r = client.get("/api/templates/xception", params={"input_size": 64})
    assert r.status_code == 422
    assert r.json()["detail"] == ("input_size 64 is below Xception's minimum of 71 (Keras's rule): choose an "
                                  "input_size of at least 71.")


def test_bad_classes_is_a_422(client):
    r = client.get("/api/templates/resnet50", params={"classes": 0})
    assert r.status_code == 422
    assert "classes 0" in r.json()["detail"]


def test_unknown_template_is_a_404_listing_the_names(client):
    r = client.get("/api/templates/alexnet")
    assert r.status_code == 404
    assert "vgg16" in r.json()["detail"]
