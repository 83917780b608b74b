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
