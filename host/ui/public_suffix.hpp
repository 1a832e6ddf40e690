// SPDX-License-Identifier: Apache-2.0
// Which part of a host name a person registered: the Public Suffix List's algorithm
// (publicsuffix.org/list, "Algorithm"), over the list taken at build time from Debian's
// `publicsuffix` package, so the host on every system (also Windows, without libpsl) shows the
// same. Pure.
#pragma once

#include <string_view>

namespace saferchat {

// The public suffix of `host` (lower-case ASCII, internationalised labels in "xn--" form, as an
// origin carries them): "co.uk" for "www.bbc.co.uk", "github.io" for "x.github.io", "example"
// for "chat.example" (no rule: the implicit "*"). The exception "!www.ck" makes "ck" the
// suffix of "www.ck", the wildcard "*.ck" makes "a.ck" that of "b.a.ck".
[[nodiscard]] std::string_view public_suffix(std::string_view host);

// The registrable domain: the public suffix and one label more ("bbc.co.uk" for
// "www.bbc.co.uk"); empty when `host` is itself a public suffix ("co.uk", "github.io") or has
// an empty label.
[[nodiscard]] std::string_view registrable_domain(std::string_view host);

}  // namespace saferchat
