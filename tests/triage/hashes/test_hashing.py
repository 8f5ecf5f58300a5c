"""Hashing evidence and reading hash files, without a database."""

from __future__ import annotations

import hashlib

import pytest
from PIL import Image

from tests.triage.hashes.images import encode, pattern, resized_jpeg
from watchfloor.errors import Invalid
from watchfloor.triage.hashes import formats as hash_formats
from watchfloor.triage.hashes.hashing import (
    PDQ_MATCH_THRESHOLD,
    PDQ_MIN_QUALITY,
    PdqIndex,
    compute,
    hamming,
    normalise,
)


def test_exact_hashes_are_those_of_the_bytes() -> None:
    data = b"not an image at all"
    h = compute(data)
    assert h.sha256 == hashlib.sha256(data).hexdigest()
    assert h.md5 == hashlib.md5(data).hexdigest()
    assert h.pdq is None and not h.pdq_matchable


def test_a_resized_jpeg_is_near_the_original_and_another_picture_is_far() -> None:
    original = compute(encode(pattern(1)))
    copy = compute(resized_jpeg(pattern(1)))
    other = compute(encode(pattern(2)))
    assert original.pdq and copy.pdq and other.pdq
    assert len(original.pdq) == 64
    assert original.pdq_quality is not None and original.pdq_quality >= PDQ_MIN_QUALITY
    assert original.sha256 != copy.sha256
    assert hamming(original.pdq, copy.pdq) <= PDQ_MATCH_THRESHOLD
    assert hamming(original.pdq, other.pdq) > PDQ_MATCH_THRESHOLD


def test_our_pdq_is_the_threatexchange_reference_pdq() -> None:
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    for data in (encode(pattern(3)), resized_jpeg(pattern(4)), encode(pattern(5).convert("L"))):
        ours = compute(data)
        assert (ours.pdq, ours.pdq_quality) == pdq_from_bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7 not an image",
        encode(pattern(1))[:200],  # truncated PNG
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    ],
)
def test_non_images_and_broken_images_have_no_pdq(data: bytes) -> None:
    assert compute(data).pdq is None


def test_a_blank_image_has_a_pdq_too_poor_to_match() -> None:
    blank = compute(encode(Image.new("RGB", (300, 300), (128, 128, 128))))
    assert blank.pdq is not None and not blank.pdq_matchable


def test_other_image_modes_hash() -> None:
    for mode in ("RGBA", "P", "LA", "CMYK", "1"):
        assert compute(encode(pattern(6).convert(mode), "TIFF")).pdq_matchable, mode


def test_pdq_index_finds_what_is_within_the_threshold_nearest_first() -> None:
    base = int("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", 16)
    near = f"{base ^ 0b1011:064x}"  # 3 bits apart
    far = f"{base ^ ((1 << 40) - 1):064x}"  # 40 bits apart
    index = PdqIndex([far, near, f"{base:064x}"])
    assert index.within(f"{base:064x}") == [(2, 0), (1, 3)]
    assert PdqIndex([]).within(near) == []


def test_normalise_folds_case_and_names_what_is_wrong() -> None:
    assert (
        normalise("md5", " D41D8CD98F00B204E9800998ECF8427E ") == "d41d8cd98f00b204e9800998ecf8427e"
    )
    with pytest.raises(ValueError, match="not a SHA-256 hash"):
        normalise("sha256", "abc")
    with pytest.raises(ValueError, match="unknown algorithm 'sha1'"):
        normalise("sha1", "abc")


def test_csv_errors_name_each_bad_line_and_nothing_is_kept() -> None:
    data = (
        "algorithm,value,label\n"
        f"sha256,{'a' * 64},ok\n"
        "md5,xyz,bad\n"
        "\n"
        f"sha1,{'b' * 40},\n"
        f"pdq,{'c' * 64},ok,extra\n"
    ).encode()
    with pytest.raises(Invalid) as caught:
        hash_formats.parse(data, "csv")
    err = caught.value
    assert "3 bad line(s)" in err.message and "line 3: 'xyz' is not a MD5 hash" in err.message
    assert [f["loc"] for f in err.fields] == [
        ["body", "line", 3],
        ["body", "line", 5],
        ["body", "line", 6],
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "no header"),
        (b"value,algorithm,colour\n", "header must name algorithm and value"),
        (b"algorithm,value\n", "holds no hashes"),
        (b"\xff\xfe binary", "not UTF-8"),
    ],
)
def test_csv_without_hashes_is_refused(data: bytes, expected: str) -> None:
    with pytest.raises(Invalid, match=expected):
        hash_formats.parse(data, "csv")


def test_threatexchange_simple_signal_file() -> None:
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    data = (
        f"pdq {pdq}\nvideo_md5 D41D8CD98F00B204E9800998ECF8427E\n"
        f"HASH_SHA256 {'e' * 64}\nurl https://example.com\nraw_text hello there\n"
    ).encode()
    parsed = hash_formats.parse(data, "threatexchange")
    assert [(e.algorithm, e.value) for e in parsed.entries] == [
        ("pdq", pdq),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("sha256", "e" * 64),
    ]
    assert parsed.skipped == {"of signal type 'url'": 1, "of signal type 'raw_text'": 1}


def test_threatexchange_dataset_csv_skips_negative_opinions() -> None:
    pdq = "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064"
    data = (
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{pdq},ncmec-demo,POSITIVE_CLASS,csam known\n"
        f"pdq,{'1' * 64},ncmec-demo,NEGATIVE_CLASS,\n"
    ).encode()
    parsed = hash_formats.parse(data, "threatexchange")
    assert [(e.value, e.label, e.reference) for e in parsed.entries] == [
        (pdq, "csam known", "ncmec-demo")
    ]
    assert sum(parsed.skipped.values()) == 1


def test_threatexchange_errors_use_its_own_validation_and_name_the_line() -> None:
    data = b"pdq f8f8\nvideo_md5 nothex\njustonetoken\n"
    with pytest.raises(Invalid) as caught:
        hash_formats.parse(data, "threatexchange")
    msgs = {f["loc"][-1]: f["msg"] for f in caught.value.fields}
    assert "invalid PDQ hash" in msgs[1]
    assert "is not a valid MD5 hash" in msgs[2]
    assert "expected '<signal type> <signal>'" in msgs[3]
