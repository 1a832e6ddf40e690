#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generates the TEST PKI and the TEST card profiles served by the virtual BELPIC card.
# Everything generated here is fictitious test material: never trust it outside tests.
#
# Usage: make_test_cards.sh OUT_DIR
#   OUT_DIR/pki/    test CA hierarchy (NAME.pem, NAME.der, NAME.key.pem, trust-anchors.pem)
#   OUT_DIR/cards/  one folder per profile: profile.json + card files + private keys
# Needs: bash, openssl 3.0 CLI, coreutils, xxd. See README.md for the file formats.
#
# Spec references: [CONTENT] "Belgian Electronic Identity Card content" v5.4,
# [IDFILE] "ID and Address file contents" v5.0 (applet 1.8), [ADD17] applet 1.7 content
# addendum, [REF17]/[REF18] Belpic applet 1.7/1.8 reference manuals.
set -euo pipefail
export LC_ALL=C

if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
photo_src=$here/test-photo.jpg
out=$1
pki=$out/pki
cards=$out/cards
[[ -f $photo_src ]] || {
  echo "missing $photo_src" >&2
  exit 1
}

mkdir -p "$out"
rm -rf "$pki" "$cards"
mkdir -p "$pki" "$cards"
work=$(mktemp -d)
root_keygen="" # pid of the background RSA-4096 key generation, while it runs
cleanup() {
  [[ -z $root_keygen ]] || kill "$root_keygen" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

today=$(date -u +%F)

# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

# All helpers below return their result in REPLY (no subshell: each fork costs ~10 ms here,
# and the script must stay fast).

# asn1 DATE HH:MM:SS -> REPLY = YYYYMMDDHHMMSSZ (for openssl ca -startdate/-enddate)
asn1() {
  local d=${1//-/} t=${2//:/}
  REPLY=${d}${t}Z
}

# dates EXPR... -> DATES array of YYYY-MM-DD, one `date` run for all expressions.
dates() {
  mapfile -t DATES < <(printf '%s\n' "$@" | date -u -f - +%F)
}

# to_hex STRING -> REPLY = upper-case hex of the bytes of STRING (LC_ALL=C: bytes).
to_hex() {
  local s=$1 i h out=""
  for ((i = 0; i < ${#s}; i++)); do
    printf -v h '%02X' "'${s:i:1}"
    out+=$h
  done
  REPLY=$out
}

hex_to_file() { printf '%s' "$1" | xxd -r -p >"$2"; }
zero_bytes() { head -c "$1" /dev/zero; }

# tlv_hex TAG VALUE_HEX -> appends to TLV: simplified TLV [CONTENT 6.1]: 1-byte tag; length
# < 255 in one byte, otherwise one FF per 255 followed by the remainder (FF x-255, ...).
tlv_hex() {
  local len=$((${#2} / 2)) prefix="" l
  while ((len >= 255)); do
    prefix+="FF"
    len=$((len - 255))
  done
  printf -v l '%02X' "$len"
  TLV+=$1$prefix$l$2
}
tlv_str() {
  to_hex "$2"
  tlv_hex "$1" "$REPLY"
}

# mod97_check DIGITS -> REPLY = two-digit "97 - (DIGITS mod 97)" (10#: no octal parsing).
mod97_check() { printf -v REPLY '%02d' $((97 - 10#$1 % 97)); }

# national_number BIRTH_DATE COUNTER -> REPLY = YYMMDD + counter (odd men, even women) +
# check digits; for births in 2000 or later the check is computed over "2" followed by the
# first 9 digits (national register number rule).
national_number() {
  local y=${1:0:4} first9
  printf -v first9 '%s%s%s%03d' "${y:2:2}" "${1:5:2}" "${1:8:2}" "$2"
  if ((y >= 2000)); then
    mod97_check "2$first9"
  else
    mod97_check "$first9"
  fi
  REPLY=$first9$REPLY
}

# card_number SEQ -> REPLY = 12 digits: fictitious "599" series + 7-digit sequence + check
# digits (first 10 digits mod 97, 97 when 0, as on Belgian card numbers).
card_number() {
  local first10 check
  printf -v first10 '599%07d' "$1"
  check=$((10#$first10 % 97))
  ((check != 0)) || check=97
  printf -v REPLY '%s%02d' "$first10" "$check"
}

# birth_date_text YYYY-MM-DD LANG -> REPLY = tag 0C text [IDFILE 3 "Birth date month
# encoding"]: "DD MMMM YYYY" for nl/fr, "DD.MMM.YYYY" for de.
birth_date_text() {
  local y=${1:0:4} m=$((10#${1:5:2})) d=${1:8:2} months
  case $2 in
    fr) months=(JAN FEV MARS AVR MAI JUIN JUIL AOUT SEPT OCT NOV DEC) ;;
    nl) months=(JAN FEB MAAR APR MEI JUN JUL AUG SEP OKT NOV DEC) ;;
    de) months=(JAN FEB MÄR APR MAI JUN JUL AUG SEP OKT NOV DEZ) ;;
    *) echo "unknown language $2" >&2 && return 1 ;;
  esac
  if [[ $2 == de ]]; then
    REPLY="$d.${months[m - 1]}.$y"
  else
    REPLY="$d ${months[m - 1]} $y"
  fi
}

# dotted YYYY-MM-DD -> REPLY = DD.MM.YYYY (tags 03/04)
dotted() { REPLY=${1:8:2}.${1:5:2}.${1:0:4}; }

# age_on BIRTH TODAY -> REPLY = completed years
age_on() {
  local by=${1:0:4} bmd=${1:5:2}${1:8:2} ty=${2:0:4} tmd=${2:5:2}${2:8:2}
  REPLY=$((10#$ty - 10#$by))
  ((10#$tmd >= 10#$bmd)) || REPLY=$((REPLY - 1))
}

# json_escape STRING -> REPLY with \ and " escaped (the names here have no control chars)
json_escape() {
  local s=${1//\\/\\\\}
  REPLY=${s//\"/\\\"}
}

# ---------------------------------------------------------------------------------------
# openssl ca configuration: a database emptied before each certificate, extensions modelled
# on the real certificates (specimen auth cert, Belgium Root CA4/CA6, Citizen CA). URLs use
# the reserved .invalid domain: nothing is ever fetched from them.
# ---------------------------------------------------------------------------------------
cnf=$work/openssl.cnf
cat >"$cnf" <<'EOF'
[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no
[ req_dn ]
CN = unused

[ ca ]
default_ca = test_ca
[ test_ca ]
dir             = $ENV::CA_DIR
database        = $dir/index.txt
new_certs_dir   = $dir
serial          = $dir/serial
default_md      = sha256
policy          = policy_any
unique_subject  = no
email_in_dn     = no
copy_extensions = none
string_mask     = utf8only
[ policy_any ]
countryName            = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
serialNumber           = optional
surname                = optional
givenName              = optional
commonName             = supplied

[ ext_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
certificatePolicies    = @pol_root
[ ext_root6 ]
basicConstraints       = critical, CA:TRUE, pathlen:1
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
certificatePolicies    = @pol_root
[ ext_citizen_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
certificatePolicies    = @pol_ca
authorityInfoAccess    = @aia_root
crlDistributionPoints  = URI:http://crl.eid-test.invalid/root.crl
[ ext_rrn ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
certificatePolicies    = @pol_root
[ ext_auth ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
authorityKeyIdentifier = keyid
certificatePolicies    = @pol_auth
authorityInfoAccess    = @aia_citizen
crlDistributionPoints  = URI:http://crl.eid-test.invalid/citizen.crl
[ ext_sign ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, nonRepudiation
authorityKeyIdentifier = keyid
certificatePolicies    = @pol_sign
authorityInfoAccess    = @aia_citizen
crlDistributionPoints  = URI:http://crl.eid-test.invalid/citizen.crl
# qcStatements: QcCompliance (0.4.0.1862.1.1) and QcSSCD (0.4.0.1862.1.4)
1.3.6.1.5.5.7.1.3      = DER:30143008060604008E4601013008060604008E460104

[ aia_root ]
caIssuers;URI.0 = http://crt.eid-test.invalid/root.crt
OCSP;URI.0      = http://ocsp.eid-test.invalid/root
[ aia_citizen ]
caIssuers;URI.0 = http://crt.eid-test.invalid/citizen.crt
OCSP;URI.0      = http://ocsp.eid-test.invalid/citizen

# Belgian eID policy OIDs (2.16.56.12.1.1 root, .2 citizen CA, .2.2 auth, .2.1 signature)
[ pol_root ]
policyIdentifier = 2.16.56.12.1.1
CPS.1            = http://repository.eid-test.invalid/TEST-ONLY
[ pol_ca ]
policyIdentifier = 2.16.56.12.1.1.2
CPS.1            = http://repository.eid-test.invalid/TEST-ONLY
[ pol_auth ]
policyIdentifier = 2.16.56.12.1.1.2.2
CPS.1            = http://repository.eid-test.invalid/TEST-ONLY
[ pol_sign ]
policyIdentifier = 2.16.56.12.1.1.2.1
CPS.1            = http://repository.eid-test.invalid/TEST-ONLY
EOF

# issue KEYALG|existing KEY SUBJECT EXT START END ISSUER|self MD OUT_BASE
# Generates KEY (PKCS#8 PEM) unless KEYALG is "existing", then writes OUT_BASE.pem and
# OUT_BASE.der, issued with `openssl ca` (OpenSSL 3.0 `x509 -req` cannot set notBefore).
# MD: sha384 for a P-384 issuer, sha256 for an RSA issuer.
ca_dir=$work/ca
mkdir -p "$ca_dir"
export CA_DIR=$ca_dir
issue() {
  local keyalg=$1 key=$2 subj=$3 ext=$4 start=$5 end=$6 issuer=$7 md=$8 base=$9 serial
  local -a newkey
  case $keyalg in
    p384) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-384 -noenc -keyout "$key") ;;
    rsa*) newkey=(-newkey "rsa:${keyalg#rsa}" -noenc -keyout "$key") ;;
    existing) newkey=(-key "$key") ;;
  esac
  : >"$ca_dir/index.txt"
  # 16-byte positive serial like the real eID certificates.
  serial=$(od -An -tx1 -N15 /dev/urandom)
  echo "10${serial//[$' \n']/}" >"$ca_dir/serial"
  local -a signer=(-selfsign -keyfile "$key")
  [[ $issuer == self ]] || signer=(-cert "$pki/$issuer.pem" -keyfile "$pki/$issuer.key.pem")
  if ! openssl req -new -config "$cnf" -utf8 "${newkey[@]}" -subj "$subj" \
    -out "$ca_dir/req.pem" 2>"$ca_dir/log" ||
    ! openssl ca -batch -notext -preserveDN -config "$cnf" -extensions "$ext" -md "$md" \
      -startdate "$start" -enddate "$end" "${signer[@]}" -in "$ca_dir/req.pem" \
      -out "$base.pem" 2>"$ca_dir/log"; then
    cat "$ca_dir/log" >&2
    return 1
  fi
  # PEM -> DER without another openssl run.
  local pem
  read -r -d '' pem <"$base.pem" || true
  pem=${pem#*-----BEGIN CERTIFICATE-----}
  base64 -d <<<"${pem%-----END CERTIFICATE-----*}" >"$base.der"
}

# ---------------------------------------------------------------------------------------
# 1. TEST PKI shaped like Belgium's: RSA (Root CA4 -> Citizen CA, RRN) and P-384
#    (Root CA6 -> Citizen CA, RRN). [ADD17]/[CONTENT 6.2.3]: 1.8 cards carry an EC RRN
#    certificate under the EC root and ECDSA P-384 file signatures, so both RRNs exist.
# ---------------------------------------------------------------------------------------
make_ca_cert() { # make_ca_cert NAME KEYALG SUBJECT EXT ISSUER MD START END
  issue "$2" "$pki/$1.key.pem" "$3" "$4" "$7" "$8" "$5" "$6" "$pki/$1"
}

# Roots from ~15 years ago for ~40 years, CAs from ~12 years ago for ~27 years: they cover
# every card below, including the expired one.
dates "$today -5479 days" "$today +9131 days" "$today -4383 days" "$today +5479 days"
asn1 "${DATES[0]}" 00:00:00 && root_start=$REPLY
asn1 "${DATES[1]}" 00:00:00 && root_end=$REPLY
asn1 "${DATES[2]}" 00:00:00 && ca_start=$REPLY
asn1 "${DATES[3]}" 00:00:00 && ca_end=$REPLY

make_pki_p384() {
  make_ca_cert root-ca6 p384 "/C=BE/O=TEST eID PKI/CN=TEST Belgium Root CA6" \
    ext_root6 self sha384 "$root_start" "$root_end"
  make_ca_cert citizen-ca-p384 p384 \
    "/C=BE/O=TEST eID PKI/serialNumber=T202002/CN=TEST Citizen CA" \
    ext_citizen_ca root-ca6 sha384 "$ca_start" "$ca_end"
  make_ca_cert rrn-p384 p384 "/C=BE/O=TEST RRN/CN=TEST RRN P-384" ext_rrn root-ca6 sha384 \
    "$ca_start" "$ca_end"
}

# The RSA-4096 root key (1-2 s to generate) is made in the background while the P-384 side
# is built; make_pki_rsa waits for it.
openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:4096 \
  -out "$pki/root-ca4.key.pem" &
root_keygen=$!

make_pki_rsa() {
  wait "$root_keygen"
  root_keygen=""
  make_ca_cert root-ca4 existing "/C=BE/O=TEST eID PKI/CN=TEST Belgium Root CA4" \
    ext_root self sha256 "$root_start" "$root_end"
  make_ca_cert citizen-ca-rsa rsa2048 \
    "/C=BE/O=TEST eID PKI/serialNumber=T201801/CN=TEST Citizen CA" \
    ext_citizen_ca root-ca4 sha256 "$ca_start" "$ca_end"
  make_ca_cert rrn rsa2048 "/C=BE/O=TEST RRN/CN=TEST RRN" ext_rrn root-ca4 sha256 \
    "$ca_start" "$ca_end"
}

# ---------------------------------------------------------------------------------------
# 2. Card profiles
# ---------------------------------------------------------------------------------------

# Photo hash (tag 11) [IDFILE tag 17]: SHA-1 (20 bytes) on 1.7, SHA-384 (48 bytes) on 1.8.
# digest_hex MD FILE -> REPLY = hex digest
digest_hex() {
  REPLY=$(openssl dgst "-$1" -r "$2")
  REPLY=${REPLY%% *}
}
digest_hex sha1 "$photo_src" && photo_hash_17=$REPLY
digest_hex sha384 "$photo_src" && photo_hash_18=$REPLY

# Certificate file on the card [CONTENT 8]: DER followed by 1100 zero bytes; a certificate
# that was not issued is a file of 2500 zero bytes.
zero_bytes 1100 >"$work/zeros-1100"
zero_bytes 2500 >"$work/zeros-2500"
cert_file() { cat "$1" "$work/zeros-1100" >"$2"; } # cert_file DER OUT
empty_cert_file() { cp "$work/zeros-2500" "$1"; }

# make_card: see the table of calls at the end for the meaning of each argument.
make_card() {
  local profile=$1 applet=$2 doctype=$3 years=$4 lang=$5 sex=$6 counter=$7
  local given=$8 third=$9 surname=${10} birthplace=${11} street=${12} zip=${13}
  local city=${14} certs=${15} pin=${16} tries=${17} seq=${18} validity=${19}
  local dir=$cards/$profile
  mkdir -p "$dir"

  # Birth date = today - N years - (40 + 35 * (seq - 1)) days: the holder is N years old
  # for months yet, and the profiles cover six different birth months (tag 0C names).
  # Card validity [IDFILE tags 03/04]: valid cards were issued 200 days ago (Kids-ID
  # 3 years, eID of a minor 6 years, adult eID 10 years). "expired" was issued at about 12
  # and ended 30 days ago (shortened: a minor's real eID lasts 6 years).
  local birth begin end age nn
  local birth_expr="$today -$years years -$((40 + 35 * (seq - 1))) days"
  if [[ $validity == expired ]]; then
    dates "$birth_expr" "$today -4 years -30 days" "$today -30 days"
  else
    dates "$birth_expr" "$today -200 days" \
      "$today -200 days +$validity years -1 day"
  fi
  birth=${DATES[0]} begin=${DATES[1]} end=${DATES[2]}
  age_on "$birth" "$today" && age=$REPLY
  if ((age != years)); then
    echo "age computation failed for $profile" >&2
    return 1
  fi
  national_number "$birth" "$counter" && nn=$REPLY

  # Key algorithm and chain per applet: 1.7 RSA-2048 under Root CA4 [REF17 1.7];
  # 1.8 ECDSA P-384 under Root CA6 [REF18 1.7, CONTENT 5.3.4].
  local keyalg ca root rrn md key_desc
  if [[ $applet == 1.7 ]]; then
    keyalg=rsa2048 ca=citizen-ca-rsa root=root-ca4 rrn=rrn md=sha256 key_desc=RSA-2048
  else
    keyalg=p384 ca=citizen-ca-p384 root=root-ca6 rrn=rrn-p384 md=sha384 key_desc="EC P-384"
  fi

  local cert_start cert_end
  asn1 "$begin" 10:00:00 && cert_start=$REPLY
  asn1 "$end" 23:59:59 && cert_end=$REPLY
  # Subject like the real certificates: C, CN "<first given name> <surname> (...)", SN, GN,
  # serialNumber = national number; plus O = "TEST card ..." so that every test subject
  # says TEST (real citizen certificates have no O).
  local subj_head="/C=BE/O=TEST card (fictitious person)/CN=${given%% *} $surname"
  local subj_tail="/SN=$surname/GN=$given/serialNumber=$nn"

  # 5038 EF(Cert#2) auth and 5039 EF(Cert#3) non-repudiation [CONTENT 8.1, 8.2, 5.3.6]:
  # a certificate that was not issued is 2500 zero bytes, so 5039 exists on every card.
  if [[ $certs == *auth* ]]; then
    issue "$keyalg" "$dir/auth.key.pem" "$subj_head (Authentication)$subj_tail" ext_auth \
      "$cert_start" "$cert_end" "$ca" "$md" "$work/$profile-auth"
    cert_file "$work/$profile-auth.der" "$dir/auth_cert.der"
  else
    empty_cert_file "$dir/auth_cert.der"
  fi
  if [[ $certs == *sign* ]]; then
    issue "$keyalg" "$dir/sign.key.pem" "$subj_head (Signature)$subj_tail" ext_sign \
      "$cert_start" "$cert_end" "$ca" "$md" "$work/$profile-sign"
    cert_file "$work/$profile-sign.der" "$dir/sign_cert.der"
  else
    empty_cert_file "$dir/sign_cert.der"
  fi
  cert_file "$pki/$ca.der" "$dir/ca_cert.der"     # 503A EF(Cert#4)
  cert_file "$pki/$root.der" "$dir/root_cert.der" # 503B EF(Cert#6)
  cert_file "$pki/$rrn.der" "$dir/rrn_cert.der"   # 503C EF(Cert#8)

  # 1.8: basic key PrK#1 (reference 81) and 4040 EF(PuK#1 Basic) = its DER
  # SubjectPublicKeyInfo [CONTENT 6.2.7], whose SHA-384 is tag 1A [IDFILE tag 26].
  local basic_hash=""
  if [[ $applet == 1.8 ]]; then
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
      -out "$dir/basic.key.pem"
    openssl pkey -in "$dir/basic.key.pem" -pubout -outform der -out "$dir/basic_key.der"
    digest_hex sha384 "$dir/basic_key.der" && basic_hash=$REPLY
  fi

  # 4035 EF(ID#Photo): JPEG [CONTENT 6.2.6].
  cp "$photo_src" "$dir/photo.jpg"
  local photo_hash=$photo_hash_17
  [[ $applet == 1.7 ]] || photo_hash=$photo_hash_18

  # Chip serial = GET CARD DATA serial = tag 02 [REF17 6.9]: 2 bytes reserved for Gemalto
  # ("SL"), 2 bytes chip maker ("IN"), 12 bytes unique: here 3366 "TEST" + the sequence.
  local chip
  printf -v chip '534C494E336654455354%012X' "$seq"

  # Sex letter in the card language [IDFILE tag 13]: M man; F (fr), V (nl), W (de) woman.
  local sex_letter=M nationality female
  case $lang in
    fr) nationality=Belge female=F ;;
    nl) nationality=Belg female=V ;;
    de) nationality=Belgier female=W ;;
  esac
  [[ $sex == M ]] || sex_letter=$female

  # 4031 EF(ID#RN) [IDFILE 1]: tags in ascending order, not padded. Tag 00 (file structure
  # version) is left out: see README.md.
  local cardno birth_text
  card_number "$seq" && cardno=$REPLY
  birth_date_text "$birth" "$lang" && birth_text=$REPLY
  TLV=""
  tlv_str 01 "$cardno"
  tlv_hex 02 "$chip"
  dotted "$begin" && tlv_str 03 "$REPLY"
  dotted "$end" && tlv_str 04 "$REPLY"
  tlv_str 05 "$city"
  tlv_str 06 "$nn"
  tlv_str 07 "$surname"
  tlv_str 08 "$given"
  tlv_str 09 "$third"
  tlv_str 0A "$nationality"
  tlv_str 0B "$birthplace"
  tlv_str 0C "$birth_text"
  tlv_str 0D "$sex_letter"
  tlv_str 0E ""
  tlv_str 0F "$doctype"
  tlv_str 10 0
  tlv_hex 11 "$photo_hash"
  [[ -z $basic_hash ]] || tlv_hex 1A "$basic_hash"
  hex_to_file "$TLV" "$dir/identity.bin"

  # 4033 EF(ID#Address) [IDFILE 2]: TLV padded with zero bytes to 117 bytes
  # [CONTENT 2.3 "Address file length extended to 117 bytes"].
  TLV=""
  tlv_str 01 "$street"
  tlv_str 02 "$zip"
  tlv_str 03 "$city"
  local addr_len=$((${#TLV} / 2))
  if ((addr_len > 117)); then
    echo "address too long for $profile" >&2
    return 1
  fi
  local zeros
  printf -v zeros '%*s' $(((117 - addr_len) * 2)) ''
  hex_to_file "$TLV" "$work/address.bin"
  hex_to_file "$TLV${zeros// /0}" "$dir/address.bin"

  # 4032 EF(SGN#ID): RRN signature over the raw 4031 bytes; 4034 EF(SGN#Address): over the
  # address file without its trailing zero bytes || the 4032 file [CONTENT 6.2.3, 6.2.5].
  # 1.8: ECDSA P-384 with SHA-384, DER; 4034 zero-padded to a fixed 104 bytes (the largest
  # DER size). 1.7 (not re-keyed): RSA-2048 PKCS#1 v1.5 with SHA-256 (the algorithm of the
  # RRN certificate's own signature, which verifiers of these cards follow).
  openssl dgst "-$md" -sign "$pki/$rrn.key.pem" -out "$dir/identity.sig" "$dir/identity.bin"
  cat "$work/address.bin" "$dir/identity.sig" >"$work/address-signed.bin"
  openssl dgst "-$md" -sign "$pki/$rrn.key.pem" -out "$dir/address.sig" \
    "$work/address-signed.bin"
  if [[ $applet == 1.8 ]]; then
    local sig_len
    sig_len=$(stat -c %s "$dir/address.sig")
    zero_bytes $((104 - sig_len)) >>"$dir/address.sig"
  fi

  # GET CARD DATA (80 E4 00 00 1C), 28 bytes [REF17 6.9, REF18 6.14]: serial(16),
  # component code, OS nr, OS version, softmask nr, softmask version ("platform specific":
  # taken from the pre-issuing data in each ATR's historical bytes), applet version,
  # global OS version(2), applet interface version, PKCS#1 support, key exchange version,
  # life cycle (0F = PERSONALIZED).
  #               serial comp OS# OSv SM# SMv applet gOS  iface PKCS#1 kex life
  local -a fields=("$chip" A5 03 01 01 01 17 0003 00 21 01 0F)
  local atr=3B9813400AA503010101AD1311
  if [[ $applet == 1.8 ]]; then
    fields=("$chip" B0 85 04 01 20 18 0001 00 00 02 0F)
    atr=3B7F96000080318065B085040120120FFF829000
  fi
  local card_data
  printf -v card_data '%s' "${fields[@]}"

  # profile.json: read by the virtual card (files, keys, PIN) and by tests (holder).
  # keys: BELPIC key reference -> PKCS#8 PEM [CONTENT 3.3.2]: 81 basic, 82 auth, 83 sign.
  local keys_json="" ref file
  for ref in 81:basic 82:auth 83:sign; do
    file=${ref#*:}.key.pem
    [[ ! -e $dir/$file ]] || keys_json+="${keys_json:+, }\"${ref%%:*}\": \"$file\""
  done
  local basic_file_json=""
  [[ $applet == 1.7 ]] || basic_file_json=$',\n    "3F00DF014040": "basic_key.der"'
  local j_given j_surname j_third j_birthplace j_street j_city
  json_escape "$given" && j_given=$REPLY
  json_escape "$surname" && j_surname=$REPLY
  json_escape "$third" && j_third=$REPLY
  json_escape "$birthplace" && j_birthplace=$REPLY
  json_escape "$street" && j_street=$REPLY
  json_escape "$city" && j_city=$REPLY
  cat >"$dir/profile.json" <<EOF
{
  "test_only": "TEST CARD: fictitious person, test keys. Never trust outside tests.",
  "profile": "$profile",
  "applet_version": "$applet",
  "atr": "$atr",
  "card_data": "$card_data",
  "pin": "$pin",
  "pin_tries_left": $tries,
  "pin_max_tries": 3,
  "key_algorithm": "$key_desc",
  "holder": {
    "given_names": "$j_given",
    "surname": "$j_surname",
    "national_number": "$nn",
    "birth_date": "$birth",
    "age": $age,
    "document_type": "$doctype",
    "language": "$lang",
    "sex": "$sex",
    "third_name_initial": "$j_third",
    "birth_location": "$j_birthplace",
    "nationality": "$nationality",
    "card_number": "$cardno",
    "chip_number": "$chip",
    "card_valid_from": "$begin",
    "card_valid_until": "$end",
    "address": {
      "street_and_number": "$j_street",
      "zip": "$zip",
      "municipality": "$j_city"
    }
  },
  "files": {
    "3F00DF005038": "auth_cert.der",
    "3F00DF005039": "sign_cert.der",
    "3F00DF00503A": "ca_cert.der",
    "3F00DF00503B": "root_cert.der",
    "3F00DF00503C": "rrn_cert.der",
    "3F00DF014031": "identity.bin",
    "3F00DF014032": "identity.sig",
    "3F00DF014033": "address.bin",
    "3F00DF014034": "address.sig",
    "3F00DF014035": "photo.jpg"$basic_file_json
  },
  "keys": {$keys_json}
}
EOF
}

# ---------------------------------------------------------------------------------------
# 3. Generation: P-384 side and applet 1.8 cards first (the RSA root key is still being
#    generated), then the RSA side and applet 1.7 cards.
# ---------------------------------------------------------------------------------------
make_pki_p384

#  profile       applet doc age lang sex counter given        3rd surname
#    birthplace street              zip  municipality certs     pin    tries seq validity
make_card kid-9 1.8 06 9 nl F 184 "Lotte Marie" A "Testkind" \
  Gent "Teststraat 9" 9000 Gent auth 1234 3 1 3
make_card adult 1.8 01 35 de F 352 "Erika Anna" S "Mustermann-Test" \
  Eupen "Teststraße 35" 4700 Eupen auth+sign 1234 3 3 10
make_card kid-5-no-auth 1.8 06 5 nl M 57 "Noah" "" "Proefkind" \
  Antwerpen "Proefstraat 5" 2000 Antwerpen none 1234 3 4 3
make_card blocked 1.8 06 10 fr M 101 "Hugo" "" "Bloqué-Test" \
  Namur "Rue du Test 10" 5000 Namur auth 1234 0 6 3

make_pki_rsa
cat "$pki/root-ca4.pem" "$pki/root-ca6.pem" >"$pki/trust-anchors.pem"

make_card teen-14 1.7 01 14 fr M 231 "Léo Martin" "" "Exemple" \
  Liège "Rue de l'Essai 14" 4000 Liège auth 123456 3 2 6
make_card expired 1.7 01 16 nl F 162 "Sara Eva" "" "Vervallen-Test" \
  Brugge "Testlaan 16" 8000 Brugge auth 1234 3 5 expired
