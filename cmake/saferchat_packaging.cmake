# SPDX-License-Identifier: Apache-2.0
# Native messaging host manifests (manifests/), the installer (installer/) and the Debian
# package (CPack DEB). Included at the end of the top-level CMakeLists.txt, after the host's
# install rule (component `host`).
#
# Build tree (for developers):
#   manifests/chromium/be.saferchat.host.json  Chrome, Chromium, Edge → the built host
#   manifests/firefox/be.saferchat.host.json   Firefox → the built host
#   manifests/templates/*.json.in              the templates with this build's extension IDs
# Install components:
#   installer          PREFIX/share/saferchat/saferchat-install and manifests/*.json.in
#   browser-manifests  the manifests in every browser's system folder (/etc/..., /usr/lib/mozilla)
#                      naming PREFIX/libexec/saferchat/saferchat-host; absolute destinations,
#                      so only on request (cmake --install --component browser-manifests)
#   debian             copyright, changelog.Debian.gz, lintian overrides; only in the package
# Package: cpack -G DEB --config <build>/CPackConfig.cmake → saferchat_<version>_<arch>.deb
include_guard(GLOBAL)
include(GNUInstallDirs)
block(SCOPE_FOR VARIABLES) # this file's variables stay here (install rules and CPack are global)

set(saferchat_host_name be.saferchat.host)
set(saferchat_manifest_dir "${CMAKE_BINARY_DIR}/manifests")

# --- the extensions allowed to start the host (NOTES §4: allowed_origins / allowed_extensions)
set(saferchat_origins)
foreach(id IN LISTS SAFERCHAT_ALLOWED_CHROMIUM_IDS)
  # 32 letters a-p: the first 128 bits of sha256(public key), one letter per hex digit.
  if(NOT id MATCHES "^[a-p]+$")
    message(FATAL_ERROR "SAFERCHAT_ALLOWED_CHROMIUM_IDS: not a Chromium extension ID: '${id}'")
  endif()
  string(LENGTH "${id}" length)
  if(NOT length EQUAL 32)
    message(FATAL_ERROR "SAFERCHAT_ALLOWED_CHROMIUM_IDS: not a Chromium extension ID: '${id}'")
  endif()
  list(APPEND saferchat_origins "\"chrome-extension://${id}/\"")
endforeach()
set(saferchat_gecko_ids)
foreach(id IN LISTS SAFERCHAT_ALLOWED_FIREFOX_IDS)
  # An email-like id or a {GUID}; neither needs escaping in JSON.
  if(NOT id MATCHES "^([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+|{[0-9A-Fa-f-]+})$")
    message(FATAL_ERROR "SAFERCHAT_ALLOWED_FIREFOX_IDS: not a Firefox add-on id: '${id}'")
  endif()
  list(APPEND saferchat_gecko_ids "\"${id}\"")
endforeach()

# --- templates with this build's IDs; the host path stays a placeholder (installer fills it)
set(SAFERCHAT_HOST_PATH "@SAFERCHAT_HOST_PATH@")
list(JOIN saferchat_origins ", " SAFERCHAT_ALLOWED_ORIGINS)
list(JOIN saferchat_gecko_ids ", " SAFERCHAT_ALLOWED_EXTENSIONS)
foreach(family chromium firefox)
  set(template "${saferchat_host_name}.${family}.json.in")
  configure_file("${PROJECT_SOURCE_DIR}/manifests/${template}"
                 "${saferchat_manifest_dir}/templates/${template}" @ONLY)
endforeach()
unset(SAFERCHAT_HOST_PATH)
unset(SAFERCHAT_ALLOWED_ORIGINS)
unset(SAFERCHAT_ALLOWED_EXTENSIONS)

# --- build-tree manifests pointing at the built host (paths go into JSON strings unescaped)
if(CMAKE_BINARY_DIR MATCHES "[\"\\\\]")
  message(FATAL_ERROR "the build directory's path must not contain \" or \\: ${CMAKE_BINARY_DIR}")
endif()
foreach(family chromium firefox)
  file(READ "${saferchat_manifest_dir}/templates/${saferchat_host_name}.${family}.json.in" content)
  string(REPLACE "@SAFERCHAT_HOST_PATH@" "$<TARGET_FILE:saferchat-host>" content "${content}")
  file(GENERATE OUTPUT "${saferchat_manifest_dir}/${family}/${saferchat_host_name}.json"
       CONTENT "${content}")
endforeach()

# --- install: the installer and its templates
install(PROGRAMS "${PROJECT_SOURCE_DIR}/installer/saferchat-install"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/saferchat" COMPONENT installer)
install(FILES "${saferchat_manifest_dir}/templates/${saferchat_host_name}.chromium.json.in"
              "${saferchat_manifest_dir}/templates/${saferchat_host_name}.firefox.json.in"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/saferchat/manifests" COMPONENT installer)

# --- install: the manifests in the browsers' system folders (NOTES §4, Linux). The host path is
# known only at install time (CMAKE_INSTALL_PREFIX, without DESTDIR); file(INSTALL) adds DESTDIR.
set(saferchat_system_manifest_dirs
    "chromium|/etc/opt/chrome/native-messaging-hosts"
    "chromium|/etc/chromium/native-messaging-hosts"
    "chromium|/etc/opt/edge/native-messaging-hosts"
    "firefox|/usr/lib/mozilla/native-messaging-hosts")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBEXECDIR}")
  set(saferchat_host_install_path "${CMAKE_INSTALL_LIBEXECDIR}/saferchat/saferchat-host")
else()
  set(saferchat_host_install_path
      "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBEXECDIR}/saferchat/saferchat-host")
endif()
set(saferchat_placeholder "@SAFERCHAT_HOST_PATH@")
list(JOIN saferchat_system_manifest_dirs "\" \"" saferchat_system_manifest_items)
set(saferchat_install_manifests_code [=[
block(SCOPE_FOR VARIABLES) # one scope for all install scripts: if(X STREQUAL "host") would
#                            dereference a variable named like a component
set(saferchat_host "@saferchat_host_install_path@")
if(saferchat_host MATCHES "[\"\\\\]")
  message(FATAL_ERROR "the host's install path must not contain \" or \\: ${saferchat_host}")
endif()
foreach(saferchat_entry IN ITEMS "@saferchat_system_manifest_items@")
  string(REPLACE "|" ";" saferchat_entry "${saferchat_entry}")
  list(GET saferchat_entry 0 saferchat_family)
  list(GET saferchat_entry 1 saferchat_dir)
  file(READ "@saferchat_manifest_dir@/templates/@saferchat_host_name@.${saferchat_family}.json.in"
       saferchat_content)
  string(REPLACE "@saferchat_placeholder@" "${saferchat_host}" saferchat_content
                 "${saferchat_content}")
  string(MAKE_C_IDENTIFIER "${saferchat_dir}" saferchat_staged)
  set(saferchat_staged "@saferchat_manifest_dir@/installed/${saferchat_staged}")
  file(WRITE "${saferchat_staged}/@saferchat_host_name@.json" "${saferchat_content}")
  file(INSTALL DESTINATION "${saferchat_dir}" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${saferchat_staged}/@saferchat_host_name@.json")
endforeach()
endblock()
]=])
string(CONFIGURE "${saferchat_install_manifests_code}" saferchat_install_manifests_code @ONLY)
install(CODE "${saferchat_install_manifests_code}" COMPONENT browser-manifests EXCLUDE_FROM_ALL)

# A stripped install (cmake --install --strip, CPACK_STRIP_FILES) also drops the compiler's
# .comment section, as Debian's dh_strip does. Runs after the host's own install rule.
if(CMAKE_OBJCOPY)
  set(saferchat_strip_comment_code [=[
if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND "@CMAKE_OBJCOPY@" --remove-section=.comment
                          "$ENV{DESTDIR}@saferchat_host_install_path@" COMMAND_ERROR_IS_FATAL ANY)
endif()
]=])
  string(CONFIGURE "${saferchat_strip_comment_code}" saferchat_strip_comment_code @ONLY)
  install(CODE "${saferchat_strip_comment_code}" COMPONENT host)
endif()

# --- the Debian package ------------------------------------------------------------------------
set(SAFERCHAT_DEB_MAINTAINER "Safer Chat maintainers <maintainers@saferchat.be>"
    CACHE STRING "Maintainer field of the Debian package")

# The package's version is the latest entry of packaging/changelog: upstream part = project().
file(STRINGS "${PROJECT_SOURCE_DIR}/packaging/changelog" saferchat_changelog_head LIMIT_COUNT 1)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                                       "${PROJECT_SOURCE_DIR}/packaging/changelog")
if(NOT saferchat_changelog_head MATCHES "^saferchat \\(([^()-]+)-([^()-]+)\\) ")
  message(FATAL_ERROR "packaging/changelog: first line is not 'saferchat (VERSION-REVISION) ...'")
endif()
set(saferchat_deb_upstream_version "${CMAKE_MATCH_1}")
set(saferchat_deb_revision "${CMAKE_MATCH_2}")
if(NOT saferchat_deb_upstream_version STREQUAL PROJECT_VERSION)
  message(WARNING "packaging/changelog names version ${saferchat_deb_upstream_version}, the "
                  "project is ${PROJECT_VERSION}: add a changelog entry")
endif()

# changelog.Debian.gz: gzip -9n, so the package does not change with the build time.
find_program(SAFERCHAT_GZIP gzip)
set(saferchat_deb_doc_dir "${CMAKE_INSTALL_DATADIR}/doc/saferchat")
if(SAFERCHAT_GZIP)
  set(saferchat_changelog_gz "${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz")
  file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/packaging")
  execute_process(COMMAND "${SAFERCHAT_GZIP}" -9nc "${PROJECT_SOURCE_DIR}/packaging/changelog"
                  OUTPUT_FILE "${saferchat_changelog_gz}" COMMAND_ERROR_IS_FATAL ANY)
  install(FILES "${saferchat_changelog_gz}" DESTINATION "${saferchat_deb_doc_dir}"
          COMPONENT debian EXCLUDE_FROM_ALL)
else()
  message(STATUS "gzip not found: the Debian package will lack its changelog")
endif()
install(FILES "${PROJECT_SOURCE_DIR}/packaging/copyright" DESTINATION "${saferchat_deb_doc_dir}"
        COMPONENT debian EXCLUDE_FROM_ALL)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/lintian-overrides"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/lintian/overrides" RENAME saferchat
        COMPONENT debian EXCLUDE_FROM_ALL)

# Every file the package puts under /etc is a conffile (Debian Policy §10.7.2).
set(saferchat_conffiles)
foreach(entry IN LISTS saferchat_system_manifest_dirs)
  string(REPLACE "|" ";" entry "${entry}")
  list(GET entry 1 dir)
  if(dir MATCHES "^/etc/")
    string(APPEND saferchat_conffiles "${dir}/${saferchat_host_name}.json\n")
  endif()
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/packaging/conffiles" "${saferchat_conffiles}")

set(CPACK_PACKAGE_NAME saferchat)
set(CPACK_PACKAGE_VENDOR "Safer Chat")
set(CPACK_PACKAGE_VERSION "${saferchat_deb_upstream_version}")
set(CPACK_PACKAGE_CONTACT "${SAFERCHAT_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Belgian ID card login for children's chat rooms (browser host)")
set(CPACK_GENERATOR DEB)
# Only our components: other install rules (the virtual card, the provider's side) stay out.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL host installer browser-manifests debian)
# /etc/... and /usr/lib/mozilla are absolute destinations: stage them under DESTDIR.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_NAME saferchat)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_VERSION "${saferchat_deb_upstream_version}")
set(CPACK_DEBIAN_PACKAGE_RELEASE "${saferchat_deb_revision}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SAFERCHAT_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from dpkg-shlibdeps; the PC/SC daemon; a graphical PIN dialog (a browser
# starts the host without a terminal, so pinentry-curses cannot ask).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "pcscd, pinentry-gnome3 | pinentry-gtk2 | pinentry-qt")
# The synopsis comes from CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the extended description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Safer Chat lets a chat website keep a room for children only. A child puts
their Belgian ID card (Kids-ID or eID) in a card reader and types its PIN;
the card proves to the website that its holder is a child of the right age.
.
This package contains saferchat-host, the native messaging host that the
Safer Chat browser extension starts in Chrome, Chromium, Edge and Firefox
to read the card through PC/SC and ask for the PIN, and its registration
with those browsers. The extension itself is installed from the browsers'
add-on stores or by policy.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_BINARY_DIR}/packaging/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
endblock()
