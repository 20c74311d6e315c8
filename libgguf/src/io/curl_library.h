// The libcurl functions the remote reader calls, loaded with dlopen when the
// first remote file opens rather than linked: libcurl brings some thirty
// libraries (TLS, Kerberos, LDAP, ...) whose loading and relocation cost
// every start of gguf-mtp about 20 ms of CPU, local commands included.
//
// Thread safety: curl_library() loads once (curl_global_init included), from
// whichever thread comes first; the functions are then libcurl's own.
#pragma once

#include <curl/curl.h>

#include <string>

namespace gguf {

struct CurlLibrary {
    std::string error;  // why libcurl could not be loaded; empty once it is
    CURL* (*easy_init)() = nullptr;
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
    CURLcode (*easy_perform)(CURL*) = nullptr;
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
    const char* (*easy_strerror)(CURLcode) = nullptr;
    void (*easy_cleanup)(CURL*) = nullptr;
    curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
    void (*slist_free_all)(curl_slist*) = nullptr;
};

const CurlLibrary& curl_library();

}  // namespace gguf
