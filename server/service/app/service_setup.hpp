// SPDX-License-Identifier: Apache-2.0
// Composition of saferchatd's parts from its configuration: reads the files it names (trust
// anchors, intermediates, CRLs, pseudonym key) and builds the nonce store, the revocation
// checkers and the verifier. Everything that can be wrong with a configuration shows here, at
// start (and with --check-config), never on the first request.
#pragma once

#include <memory>
#include <string>

#include "service/api/service_config.hpp"
#include "service/app/service_handler.hpp"
#include "store/nonce_store.hpp"
#include "verify/verifier.hpp"

namespace saferchat::service {

// Reads and parses the file; relative paths in it are taken from its folder. Throws
// ConfigError naming the file.
[[nodiscard]] ServiceConfig load_service_config(const std::string& path);

struct ServiceParts {
  std::shared_ptr<store::NonceStore> store;
  StoreProbe probe;  // for /healthz
  std::shared_ptr<const verify::Verifier> verifier;
};

// Throws ConfigError naming the setting or file at fault. Does not contact Redis (the store
// connects on first use, so the service may start before Redis does).
[[nodiscard]] ServiceParts build_service(const ServiceConfig& config);

// A one-line summary for the start-up log (no secrets).
[[nodiscard]] std::string describe(const ServiceConfig& config);

}  // namespace saferchat::service
