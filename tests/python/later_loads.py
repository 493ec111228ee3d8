# Extension modules of the standard library, each loaded from python-stdlib.zip by the
# kernel's dlopen when the bundle does not hold it, each used for something it computes.
import _json, zlib, _decimal, _bz2, _lzma, unicodedata, pyexpat, mmap, _sqlite3, _ctypes, _codecs_cn, binascii
print("_json", _json.encode_basestring_ascii("caf\u00e9"), _json.scanstring('"a\\u00e9b"', 1))
print("zlib", zlib.crc32(b"prelink"), len(zlib.compress(b"x" * 1000)))
print("_decimal", _decimal.Decimal(2).sqrt())
print("_bz2", len(_bz2.BZ2Compressor().compress(b"y" * 100)))
print("_lzma", _lzma.is_check_supported(_lzma.CHECK_CRC64))
print("unicodedata", unicodedata.name("\u00e9"), unicodedata.decimal("7"))
p = pyexpat.ParserCreate(); tags = []
p.StartElementHandler = lambda n, a: tags.append(n); p.Parse("<a><b/><c/></a>", True)
print("pyexpat", tags)
m = mmap.mmap(-1, 16); m.write(b"0123456789"); print("mmap", m[2:6])
print("_sqlite3", _sqlite3.sqlite_version)
print("_ctypes", _ctypes.sizeof(_ctypes.c_int) if hasattr(_ctypes, "c_int") else _ctypes.FUNCFLAG_CDECL)
print("_codecs_cn", _codecs_cn.getcodec("gbk").encode("\u4e2d")[0])
print("binascii", binascii.hexlify(b"\x01\xfe"))
import numpy
print("numpy", numpy.arange(6).reshape(2, 3).sum(axis=0).tolist(), float(numpy.linalg.det(numpy.eye(3) * 2)))
