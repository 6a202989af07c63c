# glibc's own view of a core's malloc heap, read by gdb with libc's debug symbols (libc6-dbg):
# an oracle for heaplens' symbol-less heap reconstruction. Everything here comes from glibc's
# symbols (main_arena, mp_, the per-thread `tcache`) and struct types (field access, sizeof,
# offsets taken from the types) — no hard-coded layout, nothing from heaplens.
#
# Run:  gdb -batch -nx -iex 'set debuginfod enabled off' \
#           -ex 'python import sys; sys.argv = ["gdb-heap.py", "OUT.json"]' \
#           -x test/helpers/gdb-heap.py EXE CORE
# (or set HEAPLENS_GDB_HEAP_OUT=OUT.json instead of the sys.argv line).
#
# Writes OUT.json: {mainArena, mp, glibcVersion, wordSize, safeLinking, arenas[], threads[],
# tcacheChunkCount, fastbinChunkCount, errors[]}, or {"unavailable": reason} when libc's debug
# symbols are not there for this core. Chunk addresses are chunk headers (user pointer − 2 words).
import json
import os
import sys

import gdb

MAX_STEPS = 1000000  # per list: a corrupt or cyclic list cannot hang the script


def out_path():
    if len(sys.argv) > 1 and sys.argv[1]:
        return sys.argv[1]
    p = os.environ.get("HEAPLENS_GDB_HEAP_OUT")
    if not p:
        raise RuntimeError("no output path: pass sys.argv[1] or HEAPLENS_GDB_HEAP_OUT")
    return p


def hx(n):
    return "0x%x" % n


class Unavailable(Exception):
    pass


def libc_sym(name):
    """A libc static/global variable, by malloc.c's own symbol (so a program's own `tcache` or
    `mp_` cannot shadow it); falls back to plain lookup."""
    for expr in ("'malloc.c'::%s" % name, name):
        try:
            return gdb.parse_and_eval(expr)
        except gdb.error:
            continue
    raise Unavailable("no symbol %s (libc debug symbols missing?)" % name)


def libc_path():
    for o in gdb.objfiles():
        name = o.filename or ""
        if os.path.basename(name).startswith("libc.so") or os.path.basename(name).startswith("libc-"):
            return name
    return None


def main():
    path = out_path()
    try:
        result = collect()
        result["libcPath"] = libc_path()
    except Unavailable as e:
        lp = libc_path()
        result = {"unavailable": "%s (libc: %s)" % (e, lp or "not loaded"), "libcPath": lp}
    with open(path, "w") as f:
        json.dump(result, f)


def collect():
    if not gdb.selected_inferior().threads():
        raise RuntimeError("no core loaded (gdb has no threads): check the EXE and CORE arguments")
    main_arena = libc_sym("main_arena")
    state_t = main_arena.type.strip_typedefs()
    if state_t.code != gdb.TYPE_CODE_STRUCT:
        raise Unavailable("main_arena has no type (libc debug symbols missing): %s" % main_arena.type)
    # the types come from libc's own debug info, through main_arena (a program's own
    # `struct malloc_chunk` cannot get in the way): mchunkptr top -> struct malloc_chunk
    chunk_t = state_t["top"].type.strip_typedefs().target().strip_typedefs()
    mp = libc_sym("mp_")

    chunk_p = chunk_t.pointer()
    word = chunk_t["mchunk_size"].type.sizeof  # INTERNAL_SIZE_T: the word
    # chunk2mem: the user pointer is the address of the fd field (CHUNK_HDR_SZ = 2 words)
    fd_off = chunk_t["fd"].bitpos // 8
    errors = []

    version = None
    for expr in ("__libc_version", "'version.c'::__libc_version"):
        try:
            version = gdb.parse_and_eval(expr).string()
            break
        except (gdb.error, UnicodeDecodeError):
            continue
    if version is None:
        try:
            version = gdb.parse_and_eval("(char *) gnu_get_libc_version()").string()  # live process only
        except gdb.error:
            pass
    try:
        ver = tuple(int(x) for x in version.split(".")[:2]) if version else None
    except ValueError:
        ver = None
    # safe-linking (2.32+): tcache next / fastbin fd are stored as (&field >> 12) ^ pointer
    # (an unknown version is taken as a current one)
    safe = ver is None or ver >= (2, 32)

    def reveal(field):
        stored = int(field)
        if not safe:
            return stored
        return (int(field.address) >> 12) ^ stored

    def chunk_at(addr):
        return gdb.Value(addr).cast(chunk_p).dereference()

    def chunksize(ch):
        return int(ch["mchunk_size"]) & ~7

    # a sanity guard on list links, like glibc's misaligned_chunk(), which checks the user
    # pointer against MALLOC_ALIGNMENT (a macro, not in the debug info: 16 on i386 as on
    # x86-64); 2 words is the weaker bound that holds everywhere
    align = 2 * word

    arenas = []
    fast_total = 0
    a = int(main_arena.address)
    seen = set()
    while a and a not in seen and len(seen) < 4096:
        seen.add(a)
        ar = gdb.Value(a).cast(state_t.pointer()).dereference()
        top = int(ar["top"])
        try:
            top_size = chunksize(chunk_at(top)) if top else 0
        except gdb.MemoryError as e:
            top_size = None
            errors.append("arena %s: top %s unreadable: %s" % (hx(a), hx(top), e))

        fastbins = []
        fast_bytes = 0
        nfast = ar["fastbinsY"].type.range()[1] + 1
        for i in range(nfast):
            lst = []
            p = int(ar["fastbinsY"][i])
            steps = 0
            while p and steps < MAX_STEPS:
                steps += 1
                if (p + fd_off) % align:
                    errors.append("arena %s fastbin %d: misaligned chunk %s" % (hx(a), i, hx(p)))
                    break
                try:
                    ch = chunk_at(p)
                    sz = chunksize(ch)
                    nxt = reveal(ch["fd"])
                except gdb.MemoryError as e:
                    errors.append("arena %s fastbin %d: %s unreadable: %s" % (hx(a), i, hx(p), e))
                    break
                lst.append(hx(p))
                fast_bytes += sz
                p = nxt
            if steps >= MAX_STEPS:
                errors.append("arena %s fastbin %d: step limit" % (hx(a), i))
            fastbins.append(lst)
            fast_total += len(lst)

        # bins[]: bin i (1..NBINS-1) is the fake chunk whose fd/bk are bins[2(i-1)], bins[2(i-1)+1]
        nbins = (ar["bins"].type.range()[1] + 1) // 2 + 1  # NBINS = 128
        counts = {"unsorted": 0, "small": 0, "large": 0}
        chunks = []
        bin_bytes = 0
        for i in range(1, nbins):
            head = int(ar["bins"][2 * (i - 1)].address) - fd_off
            p = int(ar["bins"][2 * (i - 1)])
            prev = head
            steps = 0
            n = 0
            while p != head and steps < MAX_STEPS:
                steps += 1
                try:
                    ch = chunk_at(p)
                    sz = chunksize(ch)
                    if int(ch["bk"]) != prev:
                        errors.append("arena %s bin %d: chunk %s bk %s != %s" % (hx(a), i, hx(p), hx(int(ch["bk"])), hx(prev)))
                    nxt = int(ch["fd"])
                except gdb.MemoryError as e:
                    errors.append("arena %s bin %d: %s unreadable: %s" % (hx(a), i, hx(p), e))
                    break
                chunks.append(hx(p))
                bin_bytes += sz
                n += 1
                prev = p
                p = nxt
            if steps >= MAX_STEPS:
                errors.append("arena %s bin %d: step limit" % (hx(a), i))
            kind = "unsorted" if i == 1 else ("small" if i < 64 else "large")
            counts[kind] += n

        # a thread arena's heaps (arena.c): each starts with a heap_info {ar_ptr, prev, size, ...}
        # at a HEAP_MAX_SIZE-aligned address (2 * DEFAULT_MMAP_THRESHOLD_MAX: 64 MiB, 1 MiB for
        # 32-bit); the newest holds the top chunk, prev links the older ones
        heaps = []
        if a != int(main_arena.address) and top:
            heap_max = (64 << 20) if word == 8 else (1 << 20)
            h = top & ~(heap_max - 1)
            ptr_t = gdb.lookup_type("unsigned long").pointer() if word == 8 else gdb.lookup_type("unsigned int").pointer()
            while h and len(heaps) < 4096:
                try:
                    w = gdb.Value(h).cast(ptr_t)
                    ar_ptr, prev, size = int(w[0]), int(w[1]), int(w[2])
                except gdb.MemoryError as e:
                    errors.append("arena %s: heap_info at %s unreadable: %s" % (hx(a), hx(h), e))
                    break
                if ar_ptr != a:
                    errors.append("arena %s: heap_info at %s names arena %s" % (hx(a), hx(h), hx(ar_ptr)))
                    break
                heaps.append({"start": hx(h), "size": size})
                h = prev

        arenas.append({
            "address": hx(a),
            "heaps": heaps,
            "top": hx(top),
            "topSize": top_size,
            "systemMem": int(ar["system_mem"]),
            "fastbins": fastbins,
            "fastbinBytes": fast_bytes,
            "bins": {"unsorted": counts["unsorted"], "small": counts["small"], "large": counts["large"], "chunks": chunks},
            "binBytes": bin_bytes,
        })
        a = int(ar["next"])
    if a != int(main_arena.address):
        errors.append("arena ring did not return to main_arena (stopped at %s)" % hx(a))

    threads = []
    tcache_total = 0
    inf = gdb.selected_inferior()
    original = gdb.selected_thread()
    for th in sorted(inf.threads(), key=lambda t: t.num):
        th.switch()
        entry = {"tid": th.ptid[1] or th.ptid[2] or th.ptid[0], "tcache": None, "tcacheEntries": [], "counts": []}
        try:
            tc = libc_sym("tcache")
        except Unavailable as e:
            entry["error"] = str(e)
            threads.append(entry)
            continue
        try:
            tcp = int(tc)
        except gdb.error as e:  # TLS unreadable (no libthread_db for this core)
            entry["error"] = str(e)
            threads.append(entry)
            continue
        if tcp:
            entry["tcache"] = hx(tcp)
            ts = tc.dereference()
            nb = ts["entries"].type.range()[1] + 1
            for i in range(nb):
                lst = []
                e = ts["entries"][i]
                steps = 0
                try:
                    while int(e) and steps < MAX_STEPS:
                        steps += 1
                        up = int(e)
                        if up % align:
                            errors.append("thread %d tcache bin %d: misaligned entry %s" % (entry["tid"], i, hx(up)))
                            break
                        lst.append(hx(up - fd_off))
                        e = gdb.Value(reveal(e.dereference()["next"])).cast(e.type)
                except gdb.MemoryError as err:
                    errors.append("thread %d tcache bin %d: %s" % (entry["tid"], i, err))
                if steps >= MAX_STEPS:
                    errors.append("thread %d tcache bin %d: step limit" % (entry["tid"], i))
                entry["tcacheEntries"].append(lst)
                entry["counts"].append(int(ts["counts"][i]))
                tcache_total += len(lst)
        threads.append(entry)
    if original is not None:
        original.switch()

    return {
        "glibcVersion": version,
        "wordSize": word,
        "safeLinking": safe,
        "mainArena": hx(int(main_arena.address)),
        "mp": {
            "sbrk_base": hx(int(mp["sbrk_base"])),
            "n_mmaps": int(mp["n_mmaps"]),
            "mmapped_mem": int(mp["mmapped_mem"]),
            "mmap_threshold": int(mp["mmap_threshold"]),
            "tcache_bins": int(mp["tcache_bins"]),
            "tcache_count": int(mp["tcache_count"]),
            "tcache_max_bytes": int(mp["tcache_max_bytes"]),
        },
        "arenas": arenas,
        "threads": threads,
        "tcacheChunkCount": tcache_total,
        "fastbinChunkCount": fast_total,
        "errors": errors,
    }


try:
    main()
except Exception as e:  # write the failure where the caller looks, then fail gdb
    try:
        with open(out_path(), "w") as f:
            json.dump({"error": "%s: %s" % (type(e).__name__, e)}, f)
    finally:
        raise
