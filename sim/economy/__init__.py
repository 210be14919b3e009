"""The economics of the yearly step, one module per part of DESIGN §2."""
