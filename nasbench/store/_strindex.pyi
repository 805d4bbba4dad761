from typing import Any

def rows(strings: list[Any] | tuple[Any, ...], words: Any, hash_mults: Any, mix: int,
         bucket_mults: Any, slot_row: Any, lengths: Any, width: int, bbits: int, sbits: int,
         out: Any) -> bool: ...
