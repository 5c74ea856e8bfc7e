"""The digest board: one holder per digest, twins parked and handed back."""

from __future__ import annotations

from orgo_async.fleet.digests import DigestBoard


def test_first_claim_holds_and_twins_park() -> None:
    """The first job of a digest may start; later ones of that digest are parked."""
    board: DigestBoard[str] = DigestBoard()
    assert board.claim("d1", "a")
    assert board.claim("d2", "x")
    assert not board.claim("d1", "b")
    assert not board.claim("d1", "c")
    assert board.blocks("d1", "d")
    assert not board.blocks("d1", "a")


def test_release_after_success_hands_back_twins_and_lets_later_claims_pass() -> None:
    """A built digest releases its twins in order and later claims pass without parking."""
    board: DigestBoard[str] = DigestBoard()
    board.claim("d", "a")
    board.claim("d", "b")
    board.claim("d", "c")
    assert board.release("d", "a", built=True) == ["b", "c"]
    assert board.claim("d", "b")
    assert board.claim("d", "c")
    assert board.release("d", "b", built=True) == []


def test_release_after_failure_lets_the_next_twin_hold() -> None:
    """When the holder fails, the first twin to claim again becomes the new holder."""
    board: DigestBoard[str] = DigestBoard()
    board.claim("d", "a")
    board.claim("d", "b")
    board.claim("d", "c")
    assert board.release("d", "a", built=False) == ["b", "c"]
    assert board.claim("d", "b")
    assert not board.claim("d", "c")


def test_unpark_and_drain() -> None:
    """A parked job can be taken off its list; drain empties every list."""
    board: DigestBoard[str] = DigestBoard()
    board.claim("d", "a")
    board.claim("d", "b")
    board.claim("d", "c")
    board.claim("e", "x")
    board.claim("e", "y")
    assert board.unpark("b")
    assert not board.unpark("b")
    assert not board.unpark("a")
    assert board.drain() == ["c", "y"]
    assert board.release("d", "a", built=True) == []
