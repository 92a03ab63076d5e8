"""The paper round trip (design §10): fillable worksheets with a ticket and a QR code, filled
PDFs read back for grading (alone, in folders or in an LMS's zip of submissions), and a
feedback PDF per student.

- ``tickets``: who a worksheet belongs to, signed under the database's tickets key;
- ``form``: the worksheet's PDF form (field names, the fields added to WeasyPrint's output,
  the QR code);
- ``filled``: a filled worksheet read back into answer cells, or the reason it cannot be;
- ``collect``: the files of a grading run (PDFs, CSVs, folders, zips), within size limits;
- ``feedback``: each student's graded work as a PDF to hand back.
"""
