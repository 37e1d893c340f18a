"""Indonesian messages for every pydantic error type, and English ones for the types whose pydantic message
could repeat part of the input.

Templates may name the error's ``ctx`` limits (``{max_length}``, ``{ge}``, ``{expected}``): limits and the
allowed values come from the contract, never from the input. A test checks that every error type pydantic
can raise has an entry here, so a pydantic upgrade that adds one fails the suite until it is translated.
"""

from __future__ import annotations

#: Bahasa Indonesia, by pydantic error type.
INDONESIAN: dict[str, str] = {
    # presence and shape
    "missing": "wajib diisi",
    "extra_forbidden": "kolom tidak dikenal",
    "none_required": "harus kosong (null)",
    "frozen_field": "kolom ini tidak boleh diubah",
    "frozen_instance": "data ini tidak boleh diubah",
    "no_such_attribute": "atribut tidak dikenal",
    "get_attribute_error": "atribut tidak dapat dibaca",
    "invalid_key": "nama kolom harus berupa teks",
    "model_type": "harus berupa objek",
    "model_attributes_type": "harus berupa objek",
    "dataclass_type": "harus berupa objek",
    "dataclass_exact_type": "harus berupa objek",
    "named_tuple_type": "harus berupa daftar atau objek",
    "dict_type": "harus berupa objek",
    "frozen_dict_type": "harus berupa objek",
    "ordered_dict_type": "harus berupa objek",
    "counter_type": "harus berupa objek",
    "mapping_type": "harus berupa objek",
    "default_factory_not_called": "nilai bawaan tidak dapat dibuat karena kolom lain tidak valid",
    "recursion_loop": "data berulang tanpa akhir",
    "recursion_depth_exceeded": "data terlalu dalam bersarang",
    # JSON
    "json_invalid": "JSON tidak valid",
    "json_type": "JSON harus berupa teks",
    "needs_python_object": "jenis data tidak didukung",
    # numbers
    "greater_than": "harus lebih besar dari {gt}",
    "greater_than_equal": "paling kecil {ge}",
    "less_than": "harus lebih kecil dari {lt}",
    "less_than_equal": "paling besar {le}",
    "multiple_of": "harus kelipatan {multiple_of}",
    "finite_number": "harus berupa bilangan terhingga",
    "int_type": "harus berupa bilangan bulat",
    "int_parsing": "harus berupa bilangan bulat",
    "int_parsing_size": "bilangan terlalu besar",
    "int_from_float": "harus berupa bilangan bulat, tanpa pecahan",
    "float_type": "harus berupa angka",
    "float_parsing": "harus berupa angka",
    "decimal_type": "harus berupa angka desimal",
    "decimal_parsing": "harus berupa angka desimal",
    "decimal_max_digits": "angka desimal terlalu panjang",
    "decimal_max_places": "terlalu banyak angka di belakang koma",
    "decimal_whole_digits": "terlalu banyak angka di depan koma",
    "fraction_type": "harus berupa pecahan",
    "fraction_parsing": "harus berupa pecahan",
    "complex_type": "harus berupa bilangan kompleks",
    "complex_str_parsing": "harus berupa bilangan kompleks",
    # text and bytes
    "string_type": "harus berupa teks",
    "string_unicode": "teks harus berupa Unicode yang valid",
    "string_too_short": "paling sedikit {min_length} karakter",
    "string_too_long": "paling banyak {max_length} karakter",
    "string_pattern_mismatch": "format tidak valid",
    "string_not_ascii": "hanya boleh berisi karakter ASCII",
    "bytes_type": "harus berupa data biner",
    "bytes_too_short": "data biner terlalu pendek",
    "bytes_too_long": "data biner terlalu panjang",
    "bytes_invalid_encoding": "pengodean data biner tidak valid",
    # choices
    "enum": "harus salah satu dari: {expected}",
    "literal_error": "harus salah satu dari: {expected}",
    "bool_type": "harus berupa true atau false",
    "bool_parsing": "harus berupa true atau false",
    "missing_sentinel_error": "nilai tidak valid",
    "ellipsis_error": "nilai tidak valid",
    "union_tag_invalid": "jenis data tidak dikenal",
    "union_tag_not_found": "jenis data tidak disebutkan",
    "is_instance_of": "jenis data tidak sesuai",
    "is_subclass_of": "jenis data tidak sesuai",
    "callable_type": "jenis data tidak sesuai",
    # collections
    "too_short": "paling sedikit {min_length} isi",
    "too_long": "paling banyak {max_length} isi",
    "iterable_type": "harus berupa daftar",
    "iteration_error": "daftar tidak dapat dibaca",
    "list_type": "harus berupa daftar",
    "tuple_type": "harus berupa daftar",
    "set_type": "harus berupa daftar",
    "frozen_set_type": "harus berupa daftar",
    "deque_type": "harus berupa daftar",
    "set_item_not_hashable": "isi daftar tidak valid",
    # dates and times
    "date_type": "harus berupa tanggal",
    "date_parsing": "harus berupa tanggal (YYYY-MM-DD)",
    "date_from_datetime_parsing": "harus berupa tanggal (YYYY-MM-DD)",
    "date_from_datetime_inexact": "tanggal tidak boleh memuat jam",
    "date_past": "tanggal harus di masa lalu",
    "date_future": "tanggal harus di masa depan",
    "time_type": "harus berupa jam",
    "time_parsing": "harus berupa jam (HH:MM:SS)",
    "datetime_type": "harus berupa tanggal dan jam",
    "datetime_parsing": "harus berupa tanggal dan jam (RFC 3339)",
    "datetime_object_invalid": "tanggal dan jam tidak valid",
    "datetime_from_date_parsing": "harus berupa tanggal dan jam (RFC 3339)",
    "datetime_past": "waktu harus di masa lalu",
    "datetime_future": "waktu harus di masa depan",
    "timezone_naive": "tidak boleh memuat zona waktu",
    "timezone_aware": "harus memuat zona waktu",
    "timezone_offset": "zona waktu tidak sesuai",
    "time_delta_type": "harus berupa durasi",
    "time_delta_parsing": "harus berupa durasi",
    # identifiers and links
    "url_type": "harus berupa URL",
    "url_parsing": "bukan URL yang valid",
    "url_syntax_violation": "bukan URL yang valid",
    "url_too_long": "URL terlalu panjang",
    "url_scheme": "skema URL tidak diizinkan",
    "uuid_type": "harus berupa UUID",
    "uuid_parsing": "bukan UUID yang valid",
    "uuid_version": "versi UUID tidak sesuai",
    # function arguments (validated calls)
    "arguments_type": "argumen tidak valid",
    "missing_argument": "argumen wajib diisi",
    "unexpected_keyword_argument": "argumen tidak dikenal",
    "missing_keyword_only_argument": "argumen wajib diisi",
    "unexpected_positional_argument": "argumen tidak dikenal",
    "missing_positional_only_argument": "argumen wajib diisi",
    "multiple_argument_values": "argumen diberikan lebih dari sekali",
    # raised by validators
    "value_error": "nilai tidak valid",
    "assertion_error": "nilai tidak valid",
}

#: English replacements for pydantic messages that could carry a fragment of the input (a tag, an attribute
#: name, a validator's own message).
ENGLISH_SAFE: dict[str, str] = {
    "value_error": "Value is not valid",
    "assertion_error": "Value is not valid",
    "union_tag_invalid": "Unknown kind of object",
    "union_tag_not_found": "The kind of object is not given",
    "no_such_attribute": "Unknown attribute",
    "get_attribute_error": "Attribute cannot be read",
    "iteration_error": "The list cannot be read",
    "json_invalid": "Invalid JSON",
}

#: The same without the limit, for an error raised without its ``ctx``.
INDONESIAN_PLAIN: dict[str, str] = {
    "greater_than": "nilai terlalu kecil",
    "greater_than_equal": "nilai terlalu kecil",
    "less_than": "nilai terlalu besar",
    "less_than_equal": "nilai terlalu besar",
    "multiple_of": "bukan kelipatan yang diizinkan",
    "string_too_short": "terlalu pendek",
    "string_too_long": "terlalu panjang",
    "enum": "bukan salah satu nilai yang diizinkan",
    "literal_error": "bukan salah satu nilai yang diizinkan",
    "too_short": "daftar terlalu pendek",
    "too_long": "daftar terlalu panjang",
}

#: When a type is unknown to the catalogue (a newer pydantic), this is said rather than pydantic's text.
FALLBACK_ID = "nilai tidak valid"
FALLBACK_EN = "Value is not valid"
