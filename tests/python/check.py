# Run by tests/python/bundle_python.mjs with the original python.wasm (runtime-linked by
# the cowasm kernel) and with the prelink bundle in its place: both must print the same.
# numpy is already imported and its directory is on sys.path.
import sys
import zlib, json, decimal, unicodedata
print("python", sys.version_info[:3])
print("zlib.crc32", zlib.crc32(b"prelink bundles python-wasm"), zlib.crc32(zlib.compress(b"x" * 1000, 9)))
print("json", json.dumps({"a": [1, 2.5, None], "b": "x\u00e9"}, sort_keys=True), json.loads('{"k": [true, 1e3]}'))
decimal.getcontext().prec = 40
print("decimal", decimal.Decimal(1) / decimal.Decimal(7), decimal.Decimal("2").sqrt())
print("unicodedata", unicodedata.name("\u00e9"), unicodedata.numeric("\u00bd"), unicodedata.normalize("NFD", "\u00e9").encode())
try:
    import _sqlite3
    con = _sqlite3.connect(":memory:")
    con.execute("create table t (x integer)")
    con.executemany("insert into t values (?)", [(i,) for i in range(10)])
    print("_sqlite3", _sqlite3.sqlite_version, con.execute("select sum(x * x) from t").fetchone())
except Exception as e:
    print("_sqlite3 unavailable", type(e).__name__)
import numpy as np
a = np.arange(12, dtype=np.float64).reshape(3, 4)
print("numpy", np.__version__, a.sum(), a.mean(axis=0).tolist(), (a @ a.T).tolist())
print("numpy ints", (np.arange(10, dtype=np.int64) ** 3).cumsum().tolist())
m = np.array([[3.0, 1.0, 2.0], [1.0, 4.0, 1.0], [2.0, 1.0, 5.0]])
print("linalg.solve", np.round(np.linalg.solve(m, np.array([1.0, 2.0, 3.0])), 10).tolist())
print("linalg.det", round(float(np.linalg.det(m)), 10))
print("linalg.inv", np.round(np.linalg.inv(m), 10).tolist())
rng = np.random.default_rng(12345)
print("random.default_rng", rng.integers(0, 1000, 5).tolist(), np.round(rng.random(3), 12).tolist())
np.random.seed(7)
print("random.seed", np.random.randint(0, 100, 6).tolist(), np.round(np.random.normal(size=3), 12).tolist())
print("fft", np.round(np.fft.fft(np.array([1.0, 2.0, 3.0, 4.0])), 10).tolist())
print("fft.irfft", np.round(np.fft.irfft(np.fft.rfft(np.arange(8.0))), 10).tolist())
