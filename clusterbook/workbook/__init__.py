"""The program spec model and the renderers that turn it into workbooks."""
