"""Tests of the golden dataset: generator, expected outputs, compare functions and accuracy."""
