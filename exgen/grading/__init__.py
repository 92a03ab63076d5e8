"""The grader: answer sheets in, verdicts and class results out.

- ``reading``: reading what people type into a cell;
- ``tolerance``: how far an answer may be from the expected value;
- ``judge``: one student's answers against one variant's step graph (correct, follow-through,
  incorrect, missing, invalid), the one mechanism for every exercise kind;
- ``misconceptions``: wrong ways of computing a step, to say what probably went wrong;
- ``sheet``: answer-sheet CSVs, written and read;
- ``store``: submissions and item results in the database (grade, regrade);
- ``report``: the teacher's item analysis as a PDF.
"""
