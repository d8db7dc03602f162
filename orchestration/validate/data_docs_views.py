"""GX's Data Docs page views, with the compiled Jinja templates kept for the life of the process.

GX builds a new Jinja environment for every section of every `build_data_docs` call and compiles its page
templates again each time: 0.3 s of one core per validation stage, measured, for the same few templates.
These views are GX's own (configured in great_expectations.yml, `view:` of each Data Docs section) with one
change: their environments share a bytecode cache, Jinja's own mechanism for reusing compiled templates. A
template is compiled once per process; Jinja checks each template's source against the cached code, so a
changed template is compiled again. The templates are GX's, so the pages are too.
"""

from __future__ import annotations

import threading

from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class _InMemoryBytecodeCache(BytecodeCache):
    """Compiled templates by Jinja's cache key (template name and source checksum), in this process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = code

    def clear(self) -> None:
        with self._lock:
            self._code.clear()

    def __len__(self) -> int:
        return len(self._code)


COMPILED_TEMPLATES = _InMemoryBytecodeCache()


class PageView(DefaultJinjaPageView):
    """The page of one expectation suite or one validation result."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = COMPILED_TEMPLATES


class IndexPageView(DefaultJinjaIndexPageView):
    """The index page of the Data Docs site."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = COMPILED_TEMPLATES
