"""MinHash signatures against exact Jaccard (and datasketch as an oracle), and LSH recall on injected pairs."""

import numpy as np
import pytest

from labelwise.assist.minhash import MinHashLSH, jaccard, optimal_bands, shingles, signatures, verified_pairs


def corpus(n: int, seed: int = 0) -> tuple[list[str], np.random.Generator, list[str]]:
    rng = np.random.default_rng(seed)
    vocab = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), rng.integers(3, 9))) for _ in range(3000)]
    docs = [" ".join(rng.choice(vocab, rng.integers(20, 40))) for _ in range(n)]
    return docs, rng, vocab


def edited(text: str, rng, vocab, edits: int) -> str:
    words = text.split()
    for _ in range(edits):
        words[rng.integers(len(words))] = str(rng.choice(vocab))
    return " ".join(words)


def test_slot_agreement_estimates_the_exact_jaccard_without_bias():
    docs, rng, vocab = corpus(400)
    pairs = [(d, edited(d, rng, vocab, int(rng.integers(0, 12)))) for d in docs]
    sigs = signatures([t for pair in pairs for t in pair])
    estimates = (sigs[0::2] == sigs[1::2]).mean(axis=1)
    exact = np.array([jaccard(a, b) for a, b in pairs])
    assert abs((estimates - exact).mean()) < 0.01
    assert np.sqrt(((estimates - exact) ** 2).mean()) < 0.05  # theory: sqrt(J(1-J)/128) <= 0.044


def test_as_accurate_as_datasketch():
    datasketch = pytest.importorskip("datasketch")
    docs, rng, vocab = corpus(150, seed=3)
    ours, theirs = [], []
    for doc in docs:
        other = edited(doc, rng, vocab, int(rng.integers(1, 8)))
        exact = jaccard(doc, other)
        sig = signatures([doc, other])
        ours.append((sig[0] == sig[1]).mean() - exact)
        a, b = datasketch.MinHash(num_perm=128, seed=1), datasketch.MinHash(num_perm=128, seed=1)
        a.update_batch([s.encode() for s in shingles(doc)])
        b.update_batch([s.encode() for s in shingles(other)])
        theirs.append(a.jaccard(b) - exact)
    ours_rmse, theirs_rmse = np.sqrt(np.mean(np.square(ours))), np.sqrt(np.mean(np.square(theirs)))
    assert ours_rmse < theirs_rmse * 1.35 + 0.005


def test_identical_texts_have_identical_signatures_and_normalisation_ignores_case_and_spacing():
    sig = signatures(["Hello   World, again", "hello world, AGAIN", "hi"])
    assert (sig[0] == sig[1]).all()
    assert sig.shape == (3, 128) and sig.dtype == np.uint32
    assert len(shingles("hi")) == 1  # shorter than the n-gram: one padded shingle


def test_lsh_finds_the_injected_near_duplicates_and_nothing_else():
    docs, rng, vocab = corpus(3000, seed=7)
    truth = set()
    for i in range(200):
        j = len(docs)
        docs.append(edited(docs[i], rng, vocab, 1))
        truth.add((i, j))
    lsh = MinHashLSH(threshold=0.8).fit(iter(docs))
    found = {(i, j) for i, j, _ in verified_pairs(lsh.candidates_, lambda ids: {k: docs[k] for k in ids}, threshold=0.8)}
    strong = {(i, j) for i, j in truth if jaccard(docs[i], docs[j]) >= 0.8}
    assert len(strong) > 150
    assert len(found & strong) / len(strong) >= 0.97
    assert found <= truth  # random texts are never 0.8 similar; verification is exact
    assert all(i < j for i, j in lsh.candidates_.tolist())


def test_lsh_streams_in_chunks_with_the_same_result():
    docs, rng, vocab = corpus(500, seed=2)
    docs += [edited(d, rng, vocab, 1) for d in docs[:50]]
    whole = MinHashLSH(threshold=0.7).fit(docs).candidates_
    chunked = MinHashLSH(threshold=0.7, chunk_size=37).fit(iter(docs)).candidates_
    assert np.array_equal(whole, chunked)


def test_band_choice_follows_the_threshold():
    bands_high, rows_high = optimal_bands(0.9, 128)
    bands_low, rows_low = optimal_bands(0.5, 128)
    assert rows_high > rows_low and bands_high * rows_high <= 128
    with pytest.raises(ValueError):
        MinHashLSH(threshold=0.8, bands=20, rows=10)
