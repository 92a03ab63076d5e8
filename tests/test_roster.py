"""Rosters: what teachers' spreadsheets really contain, read strictly with clear messages."""

from __future__ import annotations

import pytest

from exgen.variants.roster import RosterError, read_roster


def test_bom_blank_lines_extra_columns_and_unicode_names():
    data = "\ufeffstudent_id,name,email\n\ns1,Kurt Gödel,k@x.edu\n\n  s2 , 李小龍 ,\n".encode()
    entries = read_roster(data, "r.csv")
    assert [(e.student_id, e.name) for e in entries] == [("s1", "Kurt Gödel"), ("s2", "李小龍")]
    assert entries[0].extra == {"email": "k@x.edu"} and entries[0].line == 3
    assert entries[1].line == 5


def test_header_is_case_and_space_insensitive_and_name_optional():
    entries = read_roster(b" Student_ID \ns9\n", "r.csv")
    assert entries[0].student_id == "s9" and entries[0].name == ""


@pytest.mark.parametrize(
    "data,message",
    [
        (b"id,name\ns1,A\n", "r.csv: line 1: no student_id column (the header has: id, name)"),
        (b"student_id,name\ns1,A\ns2,B\ns1,C\n", "r.csv: line 4, column 1 (student_id): student id 's1' is already on line 2"),
        (b"name,student_id\nA,s1\nB,  \n", "r.csv: line 3, column 2 (student_id): empty student id"),
        (b"student_id,name\ns1,Caf\xe9\n", "r.csv: line 2, column 7: not UTF-8 text (byte 0xe9)"),
        (b"", "r.csv: the roster is empty"),
        (b"student_id,name\n\n", "r.csv: the roster has a header but no students"),
        (b"student_id,name\ns1,A,extra\n", "r.csv: line 2: 3 cells but the header has 2 columns"),
        (b"student_id,name,name\ns1,A,B\n", "r.csv: line 1, column 3: column 'name' appears twice"),
        ("student_id\n" + "x" * 101 + "\n", "longer than 100 characters"),
    ],
)
def test_bad_rosters_are_refused_with_file_line_and_column(data, message):
    if isinstance(data, str):
        data = data.encode()
    with pytest.raises(RosterError) as info:
        read_roster(data, "r.csv")
    assert message in str(info.value)
