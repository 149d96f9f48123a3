// SPDX-License-Identifier: GPL-2.0
/*
 * A DLL that gives a loader work: hundreds of absolute pointers (base
 * relocations), imports from several DLLs by name, a load configuration
 * with a /GS cookie, and the CRT's TLS directory. It is never run.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 256 string pointers: one relocation each. */
#define S1(n) "str" #n
#define S4(n) S1(n##0), S1(n##1), S1(n##2), S1(n##3)
#define S16(n) S4(n##0), S4(n##1), S4(n##2), S4(n##3)
#define S64(n) S16(n##0), S16(n##1), S16(n##2), S16(n##3)
const char *const hs_strings[] = { S64(0), S64(1), S64(2), S64(3) };

/* 64 function pointers, in read-only and in writable data. */
#define F1(n) static int hs_fn##n(int x) { return x * (n + 3) + __LINE__; }
#define F4(n) F1(n##0) F1(n##1) F1(n##2) F1(n##3)
#define F16(n) F4(n##0) F4(n##1) F4(n##2) F4(n##3)
F16(1) F16(2) F16(3) F16(4)
#define P1(n) hs_fn##n
#define P4(n) P1(n##0), P1(n##1), P1(n##2), P1(n##3)
#define P16(n) P4(n##0), P4(n##1), P4(n##2), P4(n##3)
int (*const hs_ro_table[])(int) = { P16(1), P16(2), P16(3), P16(4) };
int (*hs_rw_table[])(int) = { P16(4), P16(3), P16(2), P16(1) };
const char *const *hs_ptr_to_ptr = &hs_strings[7];

/* The /GS cookie a Windows loader replaces, and the load configuration
 * that tells it where. The build points data directory 10 at it. */
#ifdef _WIN64
UINT_PTR hs_security_cookie = 0x00002B992DDFA232ULL;
#else
UINT_PTR hs_security_cookie = 0xBB40E64E;
#endif
const IMAGE_LOAD_CONFIG_DIRECTORY _load_config_used = {
	.Size = sizeof(IMAGE_LOAD_CONFIG_DIRECTORY),
	.SecurityCookie = (ULONG_PTR)&hs_security_cookie,
};

__declspec(dllexport) int hs_exercise(int i)
{
	char buf[64];
	HANDLE heap = GetProcessHeap();
	void *p = HeapAlloc(heap, 0, 32);
	LARGE_INTEGER t;
	HKEY key;
	int n = 0;

	QueryPerformanceCounter(&t);
	snprintf(buf, sizeof(buf), "%d %s", i, hs_strings[i & 255]);
	OutputDebugStringA(buf);
	n += (int)GetTickCount() + (int)GetCurrentProcessId() + (int)GetCurrentThreadId();
	n += lstrlenA(buf) + (int)strlen(*hs_ptr_to_ptr) + atoi(buf);
	SetLastError(0);
	n += (int)GetLastError();
	if (GetModuleHandleA("kernel32.dll"))
		n += GetProcAddress(GetModuleHandleA("kernel32.dll"), "Sleep") != NULL;
	if (RegOpenKeyExA(HKEY_CURRENT_USER, "Software", 0, KEY_READ, &key) == ERROR_SUCCESS)
		RegCloseKey(key);
	n += GetSystemMetrics(SM_CXSCREEN);
	if (i < 0)
		MessageBoxA(NULL, buf, "hostsig", MB_OK);
	memset(p, 0, 32);
	HeapFree(heap, 0, p);
	n += (int)(hs_security_cookie & 1);
	return hs_ro_table[i & 63](n) + hs_rw_table[(i >> 6) & 63](n);
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
	(void)instance;
	(void)reason;
	(void)reserved;
	return TRUE;
}
