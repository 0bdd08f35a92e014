/* Test-only, never shipped: wine 8 lacks ProcessPrng (bcryptprimitives.dll), which Rust's
 * std imports since 1.78, so the Windows binary exits before main under wine. Built with
 * mingw by tests/native.rs and placed beside a copy of the .exe in a temporary directory.
 * Fills the buffer from RtlGenRandom (advapi32's SystemFunction036), which wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
