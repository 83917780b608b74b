"""Coverage stores each province's members in chunks and writes only the chunks a batch changed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schedcore.projections._member_state import CHUNK, HALL, ProvinceMembers


def enrol(state: ProvinceMembers, first: int, count: int) -> list[int]:
    members = [f"m{n}" for n in range(first, first + count)]
    return state.positions(
        members,
        [f"t{n // 3}" for n in range(first, first + count)],
        [f"c{n % 7}" for n in range(first, first + count)],
    )


def test_a_change_writes_only_the_chunks_of_the_members_it_touched() -> None:
    state = ProvinceMembers()
    enrol(state, 0, 2 * CHUNK + 10)
    assert [row[0] for row in state.changed_names()] == [0, 1, 2]
    assert [row[0] for row in state.changed_flags()] == [0, 1, 2]
    state.set_course([5, CHUNK + 1], 1)
    assert state.changed_names() == []
    assert [row[0] for row in state.changed_flags()] == [0, 1]
    enrol(state, 2 * CHUNK + 10, 3)  # new members land in the last chunk only
    assert [row[0] for row in state.changed_names()] == [2]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["enrol", "hall", "course", "channel"]),
            st.integers(0, 3 * CHUNK),
            st.integers(1, CHUNK + 50),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_chunks_written_over_time_decode_to_the_members_in_memory(
    steps: list[tuple[str, int, int]],
) -> None:
    state = ProvinceMembers()
    stored_names: dict[int, str] = {}
    stored_flags: dict[int, tuple[bytes, bytes]] = {}
    enrolled = 0
    for action, start, count in steps:
        if action == "enrol" or enrolled == 0:
            enrol(state, enrolled, count)
            enrolled += count
        else:
            positions = list(range(start % enrolled, min(enrolled, start % enrolled + count)))
            if action == "hall":
                state.set_in_person(positions, HALL, 7)
            elif action == "course":
                state.set_course(positions, 1)
            else:
                state.set_channel(positions, 1)
        stored_names.update((chunk, text) for chunk, _, text in state.changed_names())
        stored_flags.update((chunk, (f, c)) for chunk, f, c in state.changed_flags())
    loaded = ProvinceMembers.decode(
        sorted(stored_names.items()),
        [(chunk, *stored_flags[chunk]) for chunk in sorted(stored_flags)],
    )
    for column in ("members", "teams", "communes", "in_person", "cluster", "course", "channel"):
        assert getattr(loaded, column) == getattr(state, column), column
