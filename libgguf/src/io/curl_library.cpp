#include "curl_library.h"

#include <dlfcn.h>

namespace gguf {
namespace {

// The library's soname: the ABI these declarations (curl/curl.h) describe.
constexpr const char* kSoname = "libcurl.so.4";

template <typename Function>
bool resolve(void* library, const char* symbol, Function& out, std::string& error) {
    void* address = dlsym(library, symbol);
    if (!address) {
        error = std::string(kSoname) + " has no " + symbol;
        return false;
    }
    out = reinterpret_cast<Function>(address);
    return true;
}

CurlLibrary load() {
    CurlLibrary curl;
    // Never closed: the process keeps libcurl once it has needed it.
    void* library = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char* why = dlerror();
        curl.error = std::string("cannot load ") + kSoname + " (remote files need libcurl): " + (why ? why : "unknown reason");
        return curl;
    }
    CURLcode (*global_init)(long) = nullptr;
    std::string error;
    const bool all = resolve(library, "curl_global_init", global_init, error) && resolve(library, "curl_easy_init", curl.easy_init, error) &&
                     resolve(library, "curl_easy_setopt", curl.easy_setopt, error) &&
                     resolve(library, "curl_easy_perform", curl.easy_perform, error) &&
                     resolve(library, "curl_easy_getinfo", curl.easy_getinfo, error) &&
                     resolve(library, "curl_easy_strerror", curl.easy_strerror, error) &&
                     resolve(library, "curl_easy_cleanup", curl.easy_cleanup, error) &&
                     resolve(library, "curl_slist_append", curl.slist_append, error) &&
                     resolve(library, "curl_slist_free_all", curl.slist_free_all, error);
    if (!all) {
        curl.error = error;
        return curl;
    }
    if (const CURLcode code = global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
        curl.error = std::string("curl_global_init failed: ") + curl.easy_strerror(code);
    }
    return curl;
}

}  // namespace

const CurlLibrary& curl_library() {
    static const CurlLibrary curl = load();
    return curl;
}

}  // namespace gguf
