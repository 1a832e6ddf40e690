#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs virtual-card/profiles/make_test_cards.sh into a temporary folder and checks what it
# made with openssl: certificate chains (the expired card must fail as expired), national
# numbers (mod 97), RRN signatures of the identity and address files, identity/address TLV
# against profile.json's holder block, private keys against certificates, file sizes.
# Expected values come from profile.json and the specs, never from a previous run.
# Spec references as in make_test_cards.sh: [CONTENT] card content v5.4, [IDFILE] ID and
# address file contents (applet 1.8), [REF17]/[REF18] applet reference manuals.
#
# Usage: test_profiles.sh PATH/TO/make_test_cards.sh
set -euo pipefail
export LC_ALL=C

if [[ $# -ne 1 || ! -f $1 ]]; then
  echo "usage: $0 PATH/TO/make_test_cards.sh" >&2
  exit 2
fi
generator=$1
tmp=$(mktemp -d)
out=$tmp/out

passed=0
failed=0
summary_done=0
summary() {
  summary_done=1
  echo "$passed passed, $failed failed"
}
# A script error (set -e) still ends with a failure and the summary line.
finish() {
  local rc=$?
  if ((!summary_done)); then
    echo "not ok - test script stopped early (exit status $rc)"
    failed=$((failed + 1))
    summary
  fi
  rm -rf "$tmp"
}
trap finish EXIT
ok() {
  passed=$((passed + 1))
  echo "ok - $*"
}
not_ok() {
  failed=$((failed + 1))
  echo "not ok - $*"
}
# check DESCRIPTION COMMAND...: one result line; the command's output is shown on failure.
check() {
  local desc=$1
  shift
  if "$@" >"$tmp/check.log" 2>&1; then
    ok "$desc"
  else
    not_ok "$desc"
    sed 's/^/#   /' "$tmp/check.log"
  fi
}
# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
  if [[ $2 == "$3" ]]; then
    ok "$1"
  else
    not_ok "$1: expected '$2', got '$3'"
  fi
}
matches() { [[ $1 =~ $2 ]]; }       # matches STRING REGEX
contains() { [[ $1 == *"$2"* ]]; }  # contains STRING PART
fails() { ! "$@"; }                 # fails COMMAND...

# ---------------------------------------------------------------------------------------
# Helpers (results in REPLY or in the named arrays; few forks: each costs ~10 ms here)
# ---------------------------------------------------------------------------------------

# load_json FILE -> J: every `"key": "value"` / `"key": 123` line of profile.json (written
# one field per line, keys unique, no quotes inside values, file map entries included);
# K: the one-line "keys" object.
declare -A J K
load_json() {
  local line re='^ *"([^"]+)": ("([^"]*)"|([0-9]+)),?$' pair='"([0-9A-F]{2})": *"([^"]*)"'
  J=() K=()
  while IFS= read -r line; do
    if [[ $line =~ $re ]]; then
      J[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}${BASH_REMATCH[4]}
    elif [[ $line == *'"keys": {'* ]]; then
      while [[ $line =~ $pair ]]; do
        K[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        line=${line#*"${BASH_REMATCH[0]}"}
      done
    fi
  done <"$1"
}

# load_hex FILE... -> HEX[FILE] = upper-case hex of each file ("" if missing), all read by
# one od run.
declare -A HEX
load_hex() {
  local -a present=() sizes=()
  local f all pos=0 i
  HEX=()
  for f in "$@"; do
    HEX[$f]=""
    [[ ! -f $f ]] || present+=("$f")
  done
  ((${#present[@]} > 0)) || return 0
  mapfile -t sizes < <(stat -c %s "${present[@]}")
  all=$(od -An -v -tx1 -w1048576 "${present[@]}")
  all=${all//[$' \n']/}
  all=${all^^}
  for i in "${!present[@]}"; do
    HEX[${present[i]}]=${all:pos:2*sizes[i]}
    pos=$((pos + 2 * sizes[i]))
  done
}

# digest_hex MD FILE -> REPLY = upper-case hex digest ("" on error)
digest_hex() {
  REPLY=$(openssl dgst "-$1" -r "$2" 2>/dev/null) || REPLY=""
  REPLY=${REPLY%% *}
  REPLY=${REPLY^^}
}

# hex_escape HEX -> REPLY = the bytes as printf %b escapes
hex_escape() {
  local h=$1 i esc=""
  for ((i = 0; i < ${#h}; i += 2)); do esc+="\\x${h:i:2}"; done
  REPLY=$esc
}
hex_to_file() { # hex_to_file HEX FILE
  hex_escape "$1"
  printf '%b' "$REPLY" >"$2"
}
hex_to_str() { # hex_to_str HEX -> REPLY = the bytes as a string
  hex_escape "$1"
  printf -v REPLY '%b' "$REPLY"
}

# der_length HEX -> REPLY = length of the DER object at the start (0 if it starts with a
# zero byte): what a host does, as card files carry no length.
der_length() {
  REPLY=-1
  [[ $1 =~ ^[0-9A-F]{8} ]] || return 0
  local b0=$((16#${1:0:2})) b1=$((16#${1:2:2}))
  if ((b0 == 0)); then
    REPLY=0
  elif ((b1 < 128)); then
    REPLY=$((b1 + 2))
  elif ((b1 == 129)); then
    REPLY=$((16#${1:4:2} + 3))
  elif ((b1 == 130)); then
    REPLY=$((16#${1:4:4} + 4))
  fi
}

# parse_tlv HEX -> TLV: tag -> value hex [CONTENT 6.1]: 1-byte tag, length in one byte or
# FF-prefixed. Returns 1 on a truncated file.
declare -A TLV
parse_tlv() {
  local h=$1 pos=0 tag len b
  TLV=()
  while ((pos < ${#h})); do
    tag=${h:pos:2}
    pos=$((pos + 2))
    len=0
    while true; do
      ((pos + 2 <= ${#h})) || return 1
      b=$((16#${h:pos:2}))
      pos=$((pos + 2))
      len=$((len + b))
      ((b == 255)) || break
    done
    ((pos + 2 * len <= ${#h})) || return 1
    TLV[$tag]=${h:pos:2*len}
    pos=$((pos + 2 * len))
  done
}
tlv_str() { hex_to_str "${TLV[$1]:-}"; } # tlv_str TAG -> REPLY = value as a string

# birth_iso TEXT LANG -> REPLY = YYYY-MM-DD from tag 0C [IDFILE 3 month table]:
# "DD MMMM YYYY" (nl, fr) or "DD.MMM.YYYY" (de).
birth_iso() {
  local months i day mon year
  case $2 in
    fr) months=(JAN FEV MARS AVR MAI JUIN JUIL AOUT SEPT OCT NOV DEC) ;;
    nl) months=(JAN FEB MAAR APR MEI JUN JUL AUG SEP OKT NOV DEC) ;;
    de) months=(JAN FEB MÄR APR MAI JUN JUL AUG SEP OKT NOV DEZ) ;;
  esac
  if [[ $2 == de ]]; then
    IFS=. read -r day mon year <<<"$1"
  else
    read -r day mon year <<<"$1"
  fi
  REPLY=""
  for i in "${!months[@]}"; do
    [[ ${months[i]} != "$mon" ]] || printf -v REPLY '%s-%02d-%s' "$year" $((i + 1)) "$day"
  done
}

# nn_birth NN -> REPLY = YYYY-MM-DD when the mod-97 check holds, empty otherwise. The check
# is 97 - (first 9 digits mod 97); for births from 2000 it is computed over "2" + the 9
# digits, so the variant that matches gives the century.
nn_birth() {
  local nn=$1
  REPLY=""
  [[ $nn =~ ^[0-9]{11}$ ]] || return 0
  local first9=${nn:0:9} check=$((10#${nn:9:2}))
  if ((check == 97 - 10#$first9 % 97)); then
    REPLY=19${nn:0:2}-${nn:2:2}-${nn:4:2}
  elif ((check == 97 - 10#2$first9 % 97)); then
    REPLY=20${nn:0:2}-${nn:2:2}-${nn:4:2}
  fi
}

# age_on BIRTH DATE -> REPLY = completed years
age_on() {
  REPLY=$((10#${2:0:4} - 10#${1:0:4}))
  ((10#${2:5:2}${2:8:2} >= 10#${1:5:2}${1:8:2})) || REPLY=$((REPLY - 1))
}

# cert_info DER_FILE BASE -> BASE.pem, BASE.pub (public key) and CERT: "subject.<field>"
# (first occurrence) and "text" (openssl x509 -text), all from one openssl run.
declare -A CERT
cert_info() {
  local -a lines
  local line in_subject=0 in_key=0 pub="" text=""
  CERT=()
  mapfile -t lines < <(openssl x509 -inform der -in "$1" -noout -text -subject -pubkey \
    -nameopt sep_multiline,utf8,-esc_msb,sname 2>&1 || echo "openssl x509 failed")
  for line in "${lines[@]}"; do
    if [[ $line == subject=* ]]; then
      in_subject=1
    elif ((in_subject)) && [[ $line =~ ^\ +([A-Za-z]+)=(.*)$ ]]; then
      [[ -n ${CERT[subject.${BASH_REMATCH[1]}]:-} ]] ||
        CERT[subject.${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
    elif [[ $line == '-----BEGIN PUBLIC KEY-----' ]] || ((in_key)); then
      in_subject=0 in_key=1
      pub+=$line$'\n'
      [[ $line != '-----END PUBLIC KEY-----' ]] || in_key=0
    else
      in_subject=0
      text+=$line$'\n'
    fi
  done
  CERT[text]=$text
  printf '%s' "$pub" >"$2.pub"
  { echo '-----BEGIN CERTIFICATE-----' && base64 -w 64 "$1" &&
    echo '-----END CERTIFICATE-----'; } >"$2.pem"
}

# ---------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------
mkdir -p "$out/cards/stale-profile"
start=$(date +%s%N)
if ! bash "$generator" "$out" >"$tmp/gen.log" 2>&1; then
  sed 's/^/#   /' "$tmp/gen.log"
  not_ok "make_test_cards.sh runs"
  summary
  exit 1
fi
ok "make_test_cards.sh runs ($((($(date +%s%N) - start) / 1000000)) ms)"
check "a stale profile folder is removed (output is overwritten)" \
  test ! -e "$out/cards/stale-profile"
check "usage error without OUT_DIR" fails bash "$generator"
today=$(date -u +%F)

# ---------------------------------------------------------------------------------------
# PKI folder: NAME.pem/.der/.key.pem, subjects say TEST, trust-anchors.pem = the roots
# ---------------------------------------------------------------------------------------
pki=$out/pki
for der in "$pki"/*.der; do
  name=${der##*/}
  name=${name%.der}
  cert_info "$der" "$tmp/pki-$name"
  check "pki/$name: .pem is the same certificate as .der" \
    cmp -s "$tmp/pki-$name.pem" <(grep -v '^$' "$pki/$name.pem")
  check "pki/$name: key matches certificate" \
    cmp -s "$tmp/pki-$name.pub" <(openssl pkey -in "$pki/$name.key.pem" -pubout)
  check "pki/$name: subject CN says TEST (${CERT[subject.CN]:-})" \
    contains "${CERT[subject.CN]:-}" TEST
done
check_eq "trust-anchors.pem holds two certificates" 2 \
  "$(grep -c 'BEGIN CERTIFICATE' "$pki/trust-anchors.pem")"
awk '/BEGIN CERT/{n++} {print > ("'"$tmp"'/anchor-" n ".pem")}' "$pki/trust-anchors.pem"
anchors_hex=" "
for anchor in "$tmp"/anchor-*.pem; do
  check "${anchor##*/} of trust-anchors.pem is a self-signed root" \
    openssl verify -x509_strict -CAfile "$anchor" "$anchor"
  anchors_hex+=$(openssl x509 -in "$anchor" -outform der | xxd -p -u -c 0)" "
done

# ---------------------------------------------------------------------------------------
# Card profiles
# ---------------------------------------------------------------------------------------
check_eq "profiles generated" "adult blocked expired kid-5-no-auth kid-9 teen-14" \
  "$(cd "$out/cards" && echo *)"

declare -A SEEN=() SEEN_INFO=() # DER hex -> first parsed copy; its cert_info fields

# Cases the profile set must cover (counted while checking).
seen_blocked=0 seen_long_pin=0 seen_expired=0 seen_no_auth=0 seen_sign=0
for dir in "$out/cards"/*/; do
  dir=${dir%/}
  p=${dir##*/}
  w=$tmp/$p
  mkdir -p "$w"

  # --- profile.json ---
  if command -v jq >/dev/null; then
    check "$p: profile.json is valid JSON" jq -e . "$dir/profile.json"
  else
    echo "ok - $p: profile.json is valid JSON # SKIP no jq"
  fi
  load_json "$dir/profile.json"
  check "$p: test_only notice says TEST" contains "${J[test_only]:-}" TEST
  check_eq "$p: profile name" "$p" "${J[profile]:-}"
  applet=${J[applet_version]:-} atr=${J[atr]:-} card_data=${J[card_data]:-}
  pin=${J[pin]:-} tries=${J[pin_tries_left]:--1}
  given=${J[given_names]:-} surname=${J[surname]:-} nn=${J[national_number]:-}
  birth=${J[birth_date]:-} age=${J[age]:--1} doctype=${J[document_type]:-}
  lang=${J[language]:-} sex=${J[sex]:-}
  valid_from=${J[card_valid_from]:-} valid_until=${J[card_valid_until]:-}
  street=${J[street_and_number]:-} zip=${J[zip]:-} city=${J[municipality]:-}
  # Formats first; a bad value is replaced so that the checks below can still run.
  for var in birth valid_from valid_until; do
    check "$p: holder $var is YYYY-MM-DD" matches "${!var}" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
    matches "${!var}" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' || printf -v "$var" '0000-01-01'
  done
  check "$p: holder national number has 11 digits" matches "$nn" '^[0-9]{11}$'
  matches "$nn" '^[0-9]{11}$' || nn=00000000000
  check "$p: holder age is a number" matches "$age" '^[0-9]+$'
  matches "$age" '^[0-9]+$' || age=-1

  check "$p: applet version is 1.7 or 1.8" matches "$applet" '^1\.[78]$'
  check "$p: PIN has 4..12 digits" matches "$pin" '^[0-9]{4,12}$'
  check "$p: PIN tries left 0..3" matches "$tries" '^[0-3]$'
  ((tries != 0)) || seen_blocked=1
  ((${#pin} == 4)) || seen_long_pin=1
  check "$p: ATR is upper-case hex" matches "$atr" '^3B([0-9A-F]{2})+$'
  check "$p: GET CARD DATA is 28 bytes of hex" matches "$card_data" '^[0-9A-F]{56}$'
  # byte 21 = applet version [REF17 6.9, REF18 6.14]
  check_eq "$p: GET CARD DATA applet version byte" "${applet/./}" "${card_data:42:2}"
  age_on "$birth" "$today"
  check_eq "$p: holder age matches birth date" "$age" "$REPLY"
  if [[ $doctype == 06 ]]; then
    check "$p: Kids-ID holder is under 12" test "$age" -lt 12
  else
    check_eq "$p: eID document type" 01 "$doctype"
    check "$p: eID holder is 12 or older" test "$age" -ge 12
  fi
  declare -A F=()
  expected_fids="5038 5039 503A 503B 503C 4031 4032 4033 4034 4035"
  [[ $applet == 1.7 ]] || expected_fids+=" 4040"
  for fid in $expected_fids; do
    path=3F00DF00$fid
    [[ $fid == 50* ]] || path=3F00DF01$fid
    f=${J[$path]:-}
    check "$p: file $path is listed and exists" test -n "$f" -a -f "$dir/$f"
    F[$fid]=$dir/${f:-missing}
  done
  load_hex "${F[@]}"
  for ref in "${!K[@]}"; do
    check "$p: key $ref is a PKCS#8 PEM" \
      test "$(head -n 1 "$dir/${K[$ref]}")" = "-----BEGIN PRIVATE KEY-----"
  done
  if [[ $applet == 1.8 ]]; then
    check "$p: 1.8 card has basic key 81" test -f "$dir/${K[81]:-missing}"
  fi

  # --- certificate files [CONTENT 8]: DER + 1100 zero bytes, or 2500 zero bytes ---
  declare -A INFO=() DER=()
  for fid in 5038 5039 503A 503B 503C; do
    file=${HEX[${F[$fid]}]}
    der_length "$file"
    len=$REPLY size=$((${#file} / 2))
    if ((len == 0)); then
      check "$p: $fid (no certificate) is 2500 zero bytes" \
        matches "$size:$file" '^2500:(00)+$'
      continue
    elif ((len < 0 || len > size)); then
      not_ok "$p: $fid is neither a DER certificate nor zero bytes ($size bytes)"
      continue
    fi
    check "$p: $fid DER length sane ($len of $size bytes)" test "$len" -gt 300
    check "$p: $fid is padded with zero bytes" matches "${file:2*len}" '^0*$'
    DER[$fid]=${file:0:2*len}
    hex_to_file "${DER[$fid]}" "$w/$fid.der"
    # CA, root and RRN certificates repeat across cards: parse each distinct one once.
    if [[ -z ${SEEN[${DER[$fid]}]:-} ]]; then
      cert_info "$w/$fid.der" "$w/$fid"
      SEEN[${DER[$fid]}]=$w/$fid
      for k in "${!CERT[@]}"; do SEEN_INFO[$w/$fid.$k]=${CERT[$k]}; done
    else
      for ext in pem pub; do
        IFS= read -r -d "" text <"${SEEN[${DER[$fid]}]}.$ext" || true
        printf '%s' "$text" >"$w/$fid.$ext"
      done
    fi
    seen=${SEEN[${DER[$fid]}]}
    for k in "${!SEEN_INFO[@]}"; do
      [[ $k != "$seen".* ]] || INFO[$fid.${k#"$seen".}]=${SEEN_INFO[$k]}
    done
    check "$p: $fid subject says TEST" \
      contains "${INFO[$fid.subject.O]:-}${INFO[$fid.subject.CN]:-}" TEST
  done
  root=$w/503B.pem ca=$w/503A.pem
  check "$p: 503B root is one of pki/trust-anchors.pem" \
    contains "$anchors_hex" " ${DER[503B]:-none} "
  check "$p: 503B root self-signed; 503A CA and 503C RRN issued directly by it" \
    openssl verify -x509_strict -CAfile "$root" "$root" "$ca" "$w/503C.pem"
  # Chains: openssl verify -CAfile root -untrusted ca; an expired card must fail as such.
  leaves=()
  for fid in 5038 5039; do [[ ! -f $w/$fid.pem ]] || leaves+=("$w/$fid.pem"); done
  if ((${#leaves[@]} == 0)); then
    :
  elif [[ $valid_until < $today ]]; then
    verify_out=$(openssl verify -x509_strict -CAfile "$root" -untrusted "$ca" "${leaves[@]}" \
      2>&1) || true
    check "$p: auth/sign chain fails as expired" contains "$verify_out" "certificate has expired"
    contains "$verify_out" "certificate has expired" && seen_expired=1
  else
    check "$p: auth/sign chain verifies (${#leaves[@]} certificates)" \
      openssl verify -x509_strict -CAfile "$root" -untrusted "$ca" "${leaves[@]}"
  fi

  # --- authentication (5038, key 82) and signing (5039, key 83) certificates ---
  for role in auth:5038:82:Authentication sign:5039:83:Signature; do
    IFS=: read -r what fid ref suffix <<<"$role"
    cert=$w/$fid.pem
    if [[ ! -f $cert ]]; then
      check "$p: no $what certificate, so no key $ref" test -z "${K[$ref]:-}"
      [[ $what != auth ]] || seen_no_auth=1
      continue
    fi
    [[ $what != sign ]] || seen_sign=1
    text=${INFO[$fid.text]}
    key=$dir/${K[$ref]:-missing}
    # The key matches the certificate: a signature made with it verifies with the
    # certificate's public key.
    printf 'challenge for %s' "$p" >"$w/msg"
    openssl dgst -sha256 -sign "$key" -out "$w/msg.sig" "$w/msg" || true
    check "$p: key $ref matches the $what certificate (sign, then verify)" \
      openssl dgst -sha256 -verify "$w/$fid.pub" -signature "$w/msg.sig" "$w/msg"
    if [[ $applet == 1.8 ]]; then
      check "$p: $what key is P-384" contains "$text" 'NIST CURVE: P-384'
    else
      check "$p: $what key is RSA-2048" contains "$text" 'Public-Key: (2048 bit)'
    fi
    check_eq "$p: $what CN" "${given%% *} $surname ($suffix)" "${INFO[$fid.subject.CN]:-}"
    check_eq "$p: $what SN" "$surname" "${INFO[$fid.subject.SN]:-}"
    check_eq "$p: $what GN" "$given" "${INFO[$fid.subject.GN]:-}"
    check_eq "$p: $what C" BE "${INFO[$fid.subject.C]:-}"
    check_eq "$p: $what serialNumber = holder national number" "$nn" \
      "${INFO[$fid.subject.serialNumber]:-}"
    nn_birth "${INFO[$fid.subject.serialNumber]:-}"
    check_eq "$p: $what serialNumber passes mod 97 and gives the birth date" "$birth" "$REPLY"
    ku=${text#*"X509v3 Key Usage: critical"$'\n'}
    ku=${ku%%$'\n'*}
    ku=${ku#"${ku%%[! ]*}"}
    if [[ $what == auth ]]; then
      check_eq "$p: auth keyUsage (critical)" "Digital Signature" "$ku"
      check "$p: auth EKU clientAuth" contains "$text" 'TLS Web Client Authentication'
    else
      check_eq "$p: sign keyUsage (critical)" "Non Repudiation" "$ku"
    fi
  done

  # --- 4031 identity file [IDFILE 1] ---
  id_hex=${HEX[${F[4031]}]}
  check "$p: 4031 size sane (${#id_hex} hex digits)" test "${#id_hex}" -gt 200 -a \
    "${#id_hex}" -lt 2048
  check "$p: 4031 TLV parses" parse_tlv "$id_hex"
  parse_tlv "$id_hex" || true
  tlv_str 06 && check_eq "$p: 4031 tag 06 national number" "$nn" "$REPLY"
  tlv_str 07 && check_eq "$p: 4031 tag 07 surname" "$surname" "$REPLY"
  tlv_str 08 && check_eq "$p: 4031 tag 08 given names" "$given" "$REPLY"
  tlv_str 0F && check_eq "$p: 4031 tag 0F document type" "$doctype" "$REPLY"
  tlv_str 03 && check_eq "$p: 4031 tag 03 validity begin" \
    "${valid_from:8:2}.${valid_from:5:2}.${valid_from:0:4}" "$REPLY"
  tlv_str 04 && check_eq "$p: 4031 tag 04 validity end" \
    "${valid_until:8:2}.${valid_until:5:2}.${valid_until:0:4}" "$REPLY"
  tlv_str 0C && birth_text=$REPLY
  birth_iso "$birth_text" "$lang"
  check_eq "$p: 4031 tag 0C birth date '$birth_text' ($lang)" "$birth" "$REPLY"
  nn_birth "$nn"
  check_eq "$p: national number passes mod 97 and matches the birth date" "$birth" "$REPLY"
  tlv_str 0D && sex_letter=$REPLY
  if [[ $sex == M ]]; then
    check_eq "$p: 4031 tag 0D sex" M "$sex_letter"
    check "$p: national number counter is odd (male)" test $((10#${nn:6:3} % 2)) -eq 1
  else
    check "$p: 4031 tag 0D sex is F/V/W" matches "$sex_letter" '^[FVW]$'
    check "$p: national number counter is even (female)" test $((10#${nn:6:3} % 2)) -eq 0
  fi
  check_eq "$p: 4031 tag 02 chip number = GET CARD DATA serial" "${card_data:0:32}" \
    "${TLV[02]:-}"
  for tag in 01 05 0A 0B 10; do
    check "$p: 4031 tag $tag is present" test -n "${TLV[$tag]:-}"
  done
  photo_md=sha1 # tag 11: SHA-1 on 1.7, SHA-384 on 1.8 [IDFILE tag 17]
  [[ $applet == 1.7 ]] || photo_md=sha384
  digest_hex "$photo_md" "${F[4035]}"
  check_eq "$p: 4031 tag 11 = $photo_md of the photo" "$REPLY" "${TLV[11]:-}"
  if [[ $applet == 1.8 ]]; then
    digest_hex sha384 "${F[4040]}"
    check_eq "$p: 4031 tag 1A = sha384 of 4040" "$REPLY" "${TLV[1A]:-}"
    check "$p: 4040 is the public key of basic key 81" \
      cmp -s "${F[4040]}" <(openssl pkey -in "$dir/${K[81]:-missing}" -pubout -outform der)
  fi

  # --- 4033 address file [IDFILE 2], trailing zero bytes ignored ---
  addr_hex=${HEX[${F[4033]}]}
  check "$p: 4033 size sane (${#addr_hex} hex digits)" test "${#addr_hex}" -ge 20 -a \
    "${#addr_hex}" -le 512
  while [[ $addr_hex == *00 ]]; do addr_hex=${addr_hex%00}; done
  check "$p: 4033 TLV parses" parse_tlv "$addr_hex"
  parse_tlv "$addr_hex" || true
  tlv_str 01 && check_eq "$p: 4033 tag 01 street and number" "$street" "$REPLY"
  tlv_str 02 && check_eq "$p: 4033 tag 02 zip" "$zip" "$REPLY"
  tlv_str 03 && check_eq "$p: 4033 tag 03 municipality" "$city" "$REPLY"

  # --- 4032/4034 RRN signatures [CONTENT 6.2.3, 6.2.5] ---
  if contains "${INFO[503C.text]:-}" id-ecPublicKey; then
    sig_md=sha384 # ECDSA P-384 with SHA-384, DER, possibly zero padded
  else
    sig_md=sha256 # RSA PKCS#1 v1.5
  fi
  for fid in 4032 4034; do
    sig=${HEX[${F[$fid]}]}
    if [[ $sig_md == sha384 ]]; then
      der_length "$sig"
      len=$((REPLY < 0 ? 0 : REPLY))
      check "$p: $fid is a DER signature ($len bytes)" test "$len" -gt 8 -a "$len" -le 104
      check "$p: $fid is padded with zero bytes" matches "${sig:2*len}" '^0*$'
      hex_to_file "${sig:0:2*len}" "$w/$fid.sig"
    else
      check_eq "$p: $fid is one RSA-2048 block" 512 "${#sig}"
      cp "${F[$fid]}" "$w/$fid.sig" 2>/dev/null || true
    fi
  done
  check "$p: 4032 verifies over 4031 with the RRN key" \
    openssl dgst "-$sig_md" -verify "$w/503C.pub" -signature "$w/4032.sig" "${F[4031]}"
  hex_to_file "${id_hex:0:40}5858${id_hex:44}" "$w/4031.changed"
  check "$p: 4032 does not verify over a changed 4031" fails \
    openssl dgst "-$sig_md" -verify "$w/503C.pub" -signature "$w/4032.sig" "$w/4031.changed"
  hex_to_file "$addr_hex" "$w/4033.trimmed"
  cat "$w/4033.trimmed" "${F[4032]}" >"$w/4034.input" 2>/dev/null || true
  check "$p: 4034 verifies over 4033 (without trailing zeros) || 4032" \
    openssl dgst "-$sig_md" -verify "$w/503C.pub" -signature "$w/4034.sig" "$w/4034.input"

  # --- 4035 photo ---
  photo_hex=${HEX[${F[4035]}]}
  size=$((${#photo_hex} / 2))
  check "$p: photo size sane ($size bytes)" test "$size" -gt 500 -a "$size" -le 8192
  check_eq "$p: photo is a JPEG (SOI ... EOI)" FFD8FFD9 "${photo_hex:0:4}${photo_hex: -4}"
done

check "some profile has a blocked PIN (0 tries left)" test "$seen_blocked" -eq 1
check "some profile has a PIN longer than 4 digits" test "$seen_long_pin" -eq 1
check "some profile has an expired authentication certificate" test "$seen_expired" -eq 1
check "some profile has no authentication certificate" test "$seen_no_auth" -eq 1
check "some profile has a signing certificate" test "$seen_sign" -eq 1

summary
((failed == 0))
