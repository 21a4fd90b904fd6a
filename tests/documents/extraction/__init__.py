"""Tests of OCR, reading and field extraction (real Tesseract, no database)."""
