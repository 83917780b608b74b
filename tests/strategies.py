"""hypothesis strategies shared by the test suite."""

from __future__ import annotations

from hypothesis import strategies as st

#: Vietnamese-looking personal names (with diacritics) and phone numbers: personal data.
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Ngọc", "Minh", "Thanh", "Quốc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Mai", "Nam", "Phúc"]

person_names = st.builds(
    lambda f, m, g, n: f"{f} {m} {g} {n:04d}",
    st.sampled_from(FAMILY),
    st.sampled_from(MIDDLE),
    st.sampled_from(GIVEN),
    st.integers(0, 9999),
)
phone_numbers = st.builds(
    lambda prefix, rest: f"+84 {prefix} {rest:07d}",
    st.sampled_from(["90", "91", "93", "96", "97", "98", "86", "88"]),
    st.integers(0, 9_999_999),
)
#: A member identifier as a coordinator would type it: a name or a phone number.
member_ids = st.one_of(person_names, phone_numbers)


# -- projections: random command sequences over the small test programme ---------------------
# (tests/projections/conftest.py: provinces 01 and 02 in cluster 1, 04 and 06 in cluster 2)

_PROVINCES = st.sampled_from(["01", "02", "04", "06"])
_CLUSTERS = st.sampled_from([1, 2])
#: Member k of a province: team k // 2, commune k // 4 (so identities never contradict).
_MEMBER_NUMBERS = st.lists(st.integers(0, 11), min_size=1, max_size=6)

_ATTEND = st.tuples(
    st.just("attend"),
    _PROVINCES,
    st.sampled_from(["hall", "bridge", "absent"]),
    _MEMBER_NUMBERS,
)
_ONLINE = st.tuples(
    st.just("online"),
    _PROVINCES,
    st.sampled_from(["course", "channel"]),
    st.integers(0, 60),
    _MEMBER_NUMBERS,
)
_VOID = st.tuples(
    st.just("void"),
    _PROVINCES,
    st.sampled_from(["hall", "bridge", "absent", "course", "channel"]),
    _MEMBER_NUMBERS,
)

#: Recording and voiding come up more often than planning changes: they are most of a log.
projection_commands = st.lists(
    st.one_of(
        _ATTEND,
        _ONLINE,
        _VOID,
        _ATTEND,
        _ONLINE,
        _VOID,
        st.tuples(st.just("enrol"), _PROVINCES, _MEMBER_NUMBERS),
        st.tuples(st.just("move"), _PROVINCES, _CLUSTERS),
        st.tuples(st.just("withdraw"), _PROVINCES),
        st.tuples(st.just("assign"), _PROVINCES, _CLUSTERS),
        st.tuples(st.just("host"), _CLUSTERS, _PROVINCES),
        st.tuples(st.just("trainer"), _CLUSTERS, st.sampled_from(["trainers-A", "trainers-C"])),
        st.tuples(st.just("reschedule"), _CLUSTERS, st.integers(0, 14)),
        st.tuples(st.just("cancel"), _CLUSTERS),
        st.tuples(st.just("reinstate"), _CLUSTERS, st.integers(0, 14)),
        st.tuples(st.just("held"), _CLUSTERS),
        st.tuples(
            st.just("connect"),
            _CLUSTERS,
            st.lists(st.tuples(_PROVINCES, st.integers(0, 3)), min_size=1, max_size=3),
        ),
        st.tuples(
            st.just("disconnect"),
            _CLUSTERS,
            st.lists(st.tuples(_PROVINCES, st.integers(0, 3)), min_size=1, max_size=2),
        ),
        st.tuples(
            st.just("target"),
            st.sampled_from(
                ["teams_trained_in_person", "members_online_course", "members_following_channel"]
            ),
            st.sampled_from([0.5, 0.8, 1.0]),
        ),
        st.tuples(st.just("catch_up"), st.integers(0, 6)),
    ),
    min_size=8,
    max_size=40,
)
