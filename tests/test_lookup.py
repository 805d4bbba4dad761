"""The table's look-up fast path: string maps and vectorised index arrays give exactly the
rows the space's checking parser gives, and refuse what the parser refuses."""

from __future__ import annotations

import itertools
import struct

import numpy as np
import pytest

from nasbench.errors import InvalidArchitectureError
from nasbench.spaces import get_space
from nasbench.store._table import Table


def _parser_rows(t: Table, archs: list) -> np.ndarray:
    """Rows through the space's parser only (no map), the reference."""
    keys = np.array([t.space.key(a) for a in archs], dtype=np.int64)
    return t._rows_of_keys(keys, archs)


def _fresh(t: Table) -> Table:
    """A second Table object on the same build entry (shares the string maps)."""
    return type(t)(t.parquet_path.parents[2], t._entry)


def test_nb201_both_string_forms_match_the_parser_for_every_cell(db) -> None:
    t = db.table("nb201", "cifar10")
    sp = t.space
    cells = list(itertools.product(range(5), repeat=6))
    want = _parser_rows(t, cells)
    official = [sp.to_string(c) for c in cells]
    digits = ["".join(map(str, c)) for c in cells]
    np.testing.assert_array_equal(t.rows(official), want)
    np.testing.assert_array_equal(t.rows(digits), want)
    np.testing.assert_array_equal(t.rows(np.array(official)), want)
    fresh = _fresh(t)  # per-call path, index form first (it loads on the miss)
    assert [fresh.row(s) for s in digits] == want.tolist()
    assert [fresh.row(s) for s in official] == want.tolist()
    np.testing.assert_array_equal(_parser_rows(t, official), want)


@pytest.mark.parametrize("space", ["nbgraph", "fcnet"])
def test_every_key_string_of_one_table_matches_the_parser(db, space: str) -> None:
    t = db.table(space, db.datasets(space)[0])
    sp = t.space
    archs = [sp.from_key(int(k)) for k in t.keys]
    want = np.arange(len(t))
    np.testing.assert_array_equal(_parser_rows(t, archs), want)
    canonical = [sp.to_string(a) for a in archs]
    np.testing.assert_array_equal(t.rows(canonical), want)
    assert [t.row(s) for s in canonical[::97]] == want[::97].tolist()
    if space == "fcnet":
        index = [sp.to_index_string(a) for a in archs]
        np.testing.assert_array_equal(t.rows(index), want)
        assert [t.row(s) for s in index[::97]] == want[::97].tolist()


def test_strings_the_maps_miss_go_through_the_parser(db) -> None:
    t = db.table("nb201", "cifar10")
    canonical = t.space.to_string((4, 2, 1, 2, 1, 1))
    row = t.row((4, 2, 1, 2, 1, 1))
    for s in (f"  {canonical} ", " 421211", "421211 "):  # not in the maps: the parser strips
        assert t.row(s) == row
    mixed = [canonical, " 421211", (4, 2, 1, 2, 1, 1), "421211", ["avg_pool_3x3", 2, 1, 2, 1, 1]]
    assert t.rows(mixed).tolist() == [row] * 5
    g = db.table("nbgraph", "cora")
    raw = "0,0,0,0|gcn,gcn,skip,skip"  # an isomorph, not the class representative
    assert g.row(raw) == g.row({"link": [0, 0, 0, 0], "ops": ["gcn", "gcn", "skip", "skip"]})


def test_bad_strings_raise_the_parser_message(db) -> None:
    t = db.table("nb201", "cifar10")
    for bad in ("|nor_conv_3x3~0|", "421215", "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"):
        with pytest.raises(InvalidArchitectureError) as want:
            t.space.key(bad)
        with pytest.raises(InvalidArchitectureError) as got:
            t.row(bad)
        assert str(got.value) == str(want.value)
        with pytest.raises(InvalidArchitectureError) as got_many:
            t.rows([t.arch_strings()[0], bad])
        assert str(got_many.value) == str(want.value)
    digits = ["421211", "000000", "421215"]  # all index strings: the space's vectorised path
    with pytest.raises(InvalidArchitectureError) as want:
        t.space.keys(digits)
    with pytest.raises(InvalidArchitectureError) as got:
        t.rows(digits)
    assert str(got.value) == str(want.value)
    p = db.table("nbgraph", "proteins")  # valid in NAS-Bench-Graph, outside proteins' ops
    with pytest.raises(InvalidArchitectureError) as want:
        p.space.key("0,0,0,0|gat,gat,gat,gat")
    with pytest.raises(InvalidArchitectureError) as got:
        p.rows([p.arch_strings()[0], "0,0,0,0|gat,gat,gat,gat"])
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("space,width", [("nb201", 6), ("fcnet", 9)])
def test_vectorised_index_arrays_equal_per_arch_lookup(db, space: str, width: int) -> None:
    t = db.table(space, db.datasets(space)[0])
    archs = t.space.sample(3000, seed=1)
    want = np.array([t.row(a) for a in archs])
    arr = np.array(archs)
    for dtype in (np.int64, np.int32, np.uint8, np.int8):
        np.testing.assert_array_equal(t.rows(arr.astype(dtype)), want)
    np.testing.assert_array_equal(t.rows(archs), want)  # list of int tuples
    np.testing.assert_array_equal(t.rows([list(a) for a in archs]), want)
    np.testing.assert_array_equal(t.rows(iter(archs)), want)
    np.testing.assert_array_equal(t.rows([tuple(np.int64(v) for v in a) for a in archs]),
                                  want)
    assert t.rows(arr[:0]).tolist() == []
    bad = arr.copy()
    bad[7, 0] = 99
    with pytest.raises(InvalidArchitectureError) as want_err:
        t.space.keys(bad)
    with pytest.raises(InvalidArchitectureError) as got_err:
        t.rows(bad)
    assert str(got_err.value) == str(want_err.value)
    assert "Row 7" in str(got_err.value)
    with pytest.raises(InvalidArchitectureError):
        t.rows([tuple(a) for a in bad])
    np.testing.assert_array_equal(
        t.query_many(arr, t.metrics[0])[t.metrics[0]].to_numpy(),
        t.query_many(archs, t.metrics[0])[t.metrics[0]].to_numpy())


def test_bools_are_never_op_indices(db) -> None:
    t = db.table("nb201", "cifar10")
    t.row((1, 0, 0, 0, 0, 0))  # seen before: a memo must not let (True, 0, ...) through
    with pytest.raises(InvalidArchitectureError):
        t.rows(np.zeros((4, 6), dtype=bool))
    with pytest.raises(InvalidArchitectureError):
        t.rows(np.ones((4, 6), dtype=bool))
    with pytest.raises(InvalidArchitectureError):
        t.rows([(0, 0, 0, 0, 0, 0), (True, 0, 0, 0, 0, 0)])
    with pytest.raises(InvalidArchitectureError):
        t.rows([(0, 0, 0, 0, 0, 0), (np.True_, 0, 0, 0, 0, 0)])
    with pytest.raises(InvalidArchitectureError):
        t.query_many([[1, 0, 0, 0, 0, 0], [False] * 6])
    f = db.table("fcnet", "naval_propulsion")
    with pytest.raises(InvalidArchitectureError):
        f.rows(np.zeros((2, 9), dtype=bool))
    with pytest.raises(InvalidArchitectureError):
        f.rows([(0,) * 9, (False,) * 9])


def test_arch_strings_content_unchanged(db) -> None:
    for space in db.spaces:
        for dataset in db.datasets(space):
            t = db.table(space, dataset)
            sp = get_space(space)
            strings = t.arch_strings()
            assert strings.shape == (len(t),)
            assert all(type(s) is str for s in strings[:: max(1, len(t) // 500)])
            for i in np.linspace(0, len(t) - 1, 40).astype(int):
                assert strings[i] == sp.to_string(sp.from_key(int(t.keys[i])))
            assert not strings.flags.writeable
            df = t.query_many(list(strings[:5]), t.metrics[0])
            assert df["arch"].tolist() == list(strings[:5])
            assert str(df["arch"].dtype) == "string"


def test_tables_with_equal_keys_share_their_strings(db) -> None:
    a, b = db.table("nb201", "cifar10"), db.table("nb201", "cifar100")
    assert a.arch_strings() is b.arch_strings()
    assert a._row_of_key is b._row_of_key
    p = db.table("nbgraph", "proteins")
    assert p.arch_strings() is not db.table("nbgraph", "cora").arch_strings()
    assert len(p.arch_strings()) == len(p) == 2021


def test_n_seeds_as_counted_from_the_values(db) -> None:
    for space in db.spaces:
        t = db.table(space, db.datasets(space)[0])
        np.testing.assert_array_equal(t.n_seeds, (~np.isnan(t._values[0])).sum(axis=1))
        assert t.n_seeds.dtype == np.int64


def test_first_strings_are_parsed_then_the_maps_are_read(db) -> None:
    from nasbench.store import _lookup

    t = db.table("nb201", "cifar100")
    fresh = _fresh(t)
    old = fresh._strings  # a holder of the same files whose maps nobody read yet
    fresh._strings = _lookup._ArchStrings(old._files, old._legacy, old._n)
    strings = list(t.arch_strings()[: _lookup.PARSE_FIRST + 8])
    want = list(range(len(strings)))
    assert fresh.rows(strings[:3]).tolist() == want[:3]  # a short list: the parser
    got = [fresh.row(s) for s in strings[: _lookup.PARSE_FIRST - 3]]
    assert fresh._strings._lookup is None and got == want[: _lookup.PARSE_FIRST - 3]
    got = [fresh.row(s) for s in strings]
    assert fresh._strings._lookup is not None and got == want


@pytest.fixture(params=["native", "numpy"])
def lookup_path(request, monkeypatch) -> str:
    """Run a test through the C look-up and again through the numpy steps."""
    from nasbench.store import _lookup

    if request.param == "numpy":
        monkeypatch.setattr(_lookup, "_native", None)
    elif _lookup._native is None:
        pytest.skip("the C look-up is not built here")
    return str(request.param)


def _query_many_slow(t: Table, archs: list, metrics: list) -> object:
    """query_many through the maps only (the string index switched off), the reference."""
    fresh = _fresh(t)
    fresh._string_index = None
    return fresh.query_many(archs, metrics)


@pytest.mark.usefixtures("lookup_path")
@pytest.mark.parametrize("space", ["nb201", "nbgraph", "fcnet"])
def test_string_index_answers_exact_canonical_strings_like_the_maps(db, space: str) -> None:
    import pandas as pd

    t = db.table(space, db.datasets(space)[0])
    assert t._string_index is not None
    canonical = t.arch_strings()
    order = np.random.default_rng(0).permutation(len(canonical))
    archs = [str(canonical[i]) for i in order] + [str(canonical[order[0]])]  # a repeat
    rows = t._string_index.rows(archs)
    np.testing.assert_array_equal(rows, np.r_[order, order[0]])
    metrics = t.metrics[:2]
    got = _fresh(t).query_many(archs, metrics)
    pd.testing.assert_frame_equal(got, _query_many_slow(t, archs, metrics))
    if space == "nb201":  # a known value through the index path
        i = archs.index("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|"
                        "nor_conv_3x3~1|nor_conv_3x3~2|")
        assert got["val_acc"].iloc[i] == pytest.approx(t.query(archs[i], "val_acc")["val_acc"])


@pytest.mark.usefixtures("lookup_path")
def test_query_many_frame_equals_one_built_with_public_pandas(db) -> None:
    import pandas as pd

    t = db.table("nb201", "cifar10")
    archs = [str(s) for s in t.arch_strings()[:500]]
    got = _fresh(t).query_many(archs, ["val_acc", "train_time"])  # through the index
    want = pd.DataFrame({"arch": pd.array(archs, dtype=pd.StringDtype("python")),
                         "val_acc": t.array("val_acc")[:500],
                         "train_time": t.array("train_time")[:500]})
    want.columns = pd.Index(pd.array(want.columns.tolist(), dtype=pd.StringDtype("python")))
    pd.testing.assert_frame_equal(got, want)
    assert got.columns.dtype == pd.StringDtype("python") and got.index.equals(
        pd.RangeIndex(500))
    got.loc[0, "val_acc"] = -1.0  # the frame owns its data: the table is untouched
    assert t.array("val_acc")[0] != -1.0
    sampled = t.query_many(archs[:40], "val_acc", seed="sample", rng=0)
    assert sampled.columns.tolist() == ["arch", "seed", "val_acc"]
    assert sampled["seed"].dtype == np.int64 or sampled["seed"].dtype == np.intp


@pytest.mark.usefixtures("lookup_path")
def test_string_index_refuses_anything_but_the_exact_strings(db) -> None:
    t = db.table("nb201", "cifar10")
    index = t._string_index
    assert index is not None
    good = [str(s) for s in t.arch_strings()[:100]]
    assert index.rows(good).tolist() == list(range(100))
    s = good[7]
    near = [s + "\x00", s + " ", " " + s, s[:-1], s + "|", s.encode(), s.replace("~0", "~9", 1),
            s.upper(), "\u00e9" + s[1:], "421211", 7, None]
    for bad in near:
        assert index.rows(good[:7] + [bad] + good[8:]) is None, repr(bad)
    long = s + "x" * 200  # wider than the fixed width: cut to it would equal nothing longer
    assert index.rows(good[:7] + [long]) is None
    # query_many then falls back to the maps / parser: same rows, same errors as before
    ok = good[:7] + [f" {s} ", "421211"] + good[8:]
    np.testing.assert_array_equal(t.query_many(ok, "val_acc")["arch"].tolist(),
                                  good[:7] + [s, t.arch_strings()[t.row("421211")]] + good[8:])
    with pytest.raises(InvalidArchitectureError):
        t.query_many(good[:50] + [s + "\x00"], "val_acc")


@pytest.mark.usefixtures("lookup_path")
def test_string_index_file_refuses_what_it_cannot_index(tmp_path) -> None:
    from nasbench.errors import StoreError
    from nasbench.store._lookup import StringIndex

    assert StringIndex.encode(["ab", "ab"]) is None  # equal strings: equal hashes
    assert StringIndex.encode(["ab", "c\u00e9"]) is None  # not ASCII
    assert StringIndex.encode(["a\0", "b"]) is None  # a NUL would read as padding
    assert StringIndex.encode(["x" * 300]) is None  # too wide
    strings = [f"s{i:05d}-{i * 7919 % 10007}" for i in range(5000)]
    data = StringIndex.encode(strings)
    assert data is not None
    path = tmp_path / "index"
    path.write_bytes(data)
    index = StringIndex(path)
    rng = np.random.default_rng(1)
    pick = rng.integers(0, 5000, 3000)
    np.testing.assert_array_equal(index.rows([strings[i] for i in pick]), pick)
    # the file decodes independently: header, fixed-width strings, multipliers, slots,
    # lengths; every string's slot (bucket multiplier x hash) holds its row
    magic, n, width, bbits, sbits = struct.unpack_from("<8s4Q", data)
    assert (magic, n, width) == (b"NBSIDX04", 5000, 16)
    fixed = np.frombuffer(data, dtype=f"S{width}", count=n, offset=64)
    assert [b.decode() for b in fixed[:3]] == strings[:3]
    off = 64 + n * width
    mult = np.frombuffer(data, dtype="<u8", count=1 << bbits, offset=off)
    slot_row = np.frombuffer(data, dtype="<u4", count=1 << sbits, offset=off + (8 << bbits))
    h = [int(v) for v in StringIndex._hash(fixed)]
    slots = [((v * int(mult[v >> (64 - bbits)])) % 2**64) >> (64 - sbits) for v in h]
    assert len(set(slots)) == n and [int(slot_row[x]) for x in slots] == list(range(n))
    lengths = np.frombuffer(data, dtype="<u4", offset=off + (8 << bbits) + (4 << sbits))
    assert lengths.tolist() == [len(x) for x in strings]
    path.write_bytes(data[:-5])  # a truncated file names itself
    with pytest.raises(StoreError, match="string index"):
        StringIndex(path).rows(strings[:10])
    path.write_bytes(b"NBSIDX03" + data[8:])  # another format version
    with pytest.raises(StoreError, match="string index"):
        StringIndex(path).rows(strings[:10])
    bad = bytearray(data)  # a slot naming a row past the last one
    slot0 = 64 + n * width + (8 << bbits)
    bad[slot0:slot0 + 4] = struct.pack("<I", n + 3)
    path.write_bytes(bytes(bad))
    with pytest.raises(StoreError, match="string index"):
        StringIndex(path).rows(strings[:10])


def test_native_lookup_is_built_where_a_compiler_is() -> None:
    import shutil
    import sysconfig

    from nasbench.store import _lookup

    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) here: the numpy path answers")
    assert _lookup._native is not None, "setup.py builds nasbench.store._strindex"


def test_native_lookup_checks_its_buffers(db) -> None:
    """The C function refuses buffers that do not match the layout it is told (it never
    reads past them), and refuses anything but a list or tuple."""
    from nasbench.store import _lookup

    if _lookup._native is None:
        pytest.skip("the C look-up is not built here")
    index = db.table("nb201", "cifar10")._string_index
    assert index is not None
    good = [str(s) for s in db.table("nb201", "cifar10").arch_strings()[:40]]
    assert index.rows(good) is not None  # loaded
    mults = index._multipliers(index._words.shape[1])
    args = [good, index._fixed, mults, int(index._MULT), index._mult, index._slot_row,
            index._lengths, index._fixed.itemsize, index._bbits, index._sbits,
            np.empty(40, dtype=np.intp)]
    assert _lookup._native.rows(*args) is True
    for i, wrong in [(1, index._fixed[:-1].tobytes() + b"x"),  # not whole rows
                     (2, mults[:3]), (4, index._mult[:-1]), (5, index._slot_row[:-1]),
                     (6, index._lengths[:-1]), (7, 12), (8, 0), (9, 64),
                     (10, np.empty(39, dtype=np.intp))]:
        with pytest.raises(ValueError):
            _lookup._native.rows(*args[:i], wrong, *args[i + 1:])
    with pytest.raises(TypeError):
        _lookup._native.rows(iter(good), *args[1:])
    out = np.empty(40, dtype=np.intp)
    out.setflags(write=False)
    with pytest.raises((ValueError, BufferError, TypeError)):
        _lookup._native.rows(*args[:10], out)
