"""The pyramid picture: an HTML page and PNG images of the published pyramid, in English, Arabic or Polish."""
