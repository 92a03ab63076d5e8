"""Worksheets and answer keys as PDF: math, the network diagram, document contexts, writing."""
