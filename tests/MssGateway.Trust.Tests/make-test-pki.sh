#!/usr/bin/env bash
# Test PKI for the trust engine, made with the openssl CLI at test time (no key is committed).
# Usage: make-test-pki.sh OUTDIR HTTP_PORT OCSP_PORT
# CRL distribution points name http://127.0.0.1:HTTP_PORT/<ca>.crl (the tests serve www/ there);
# cps-ocsp*.pem name the OCSP responder http://127.0.0.1:OCSP_PORT (the tests run `openssl ocsp` there).
set -euo pipefail
out=${1:?usage: make-test-pki.sh OUTDIR HTTP_PORT}
port=${2:?usage: make-test-pki.sh OUTDIR HTTP_PORT OCSP_PORT}
ocsp_port=${3:?usage: make-test-pki.sh OUTDIR HTTP_PORT OCSP_PORT}
mkdir -p "$out"/{db,crl,www,certs}
cd "$out"
export OPENSSL_CONF=/dev/null
SUFFIX="/C=FR/O=ASIP-SANTE TEST/OU=0002 187512751/OU=IGC-SANTE TEST"

ca_config() { # name
  mkdir -p "db/$1"; : > "db/$1/index.txt"; echo 1000 > "db/$1/crlnumber"; echo 01 > "db/$1/serial"
  cat > "db/$1/ca.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
database = db/$1/index.txt
crlnumber = db/$1/crlnumber
serial = db/$1/serial
new_certs_dir = db/$1
default_md = sha256
default_days = 365
default_crl_days = 7
certificate = $1.pem
private_key = $1.key
policy = any
unique_subject = no
preserve = yes
copy_extensions = none
[ any ]
countryName = optional
stateOrProvinceName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
surname = optional
givenName = optional
title = optional
CNF
}

root() { # name "subject"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 3650 -sha256 -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  ca_config "$1"
}

intermediate() { # name "subject" issuer
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:http://127.0.0.1:%s/%s.crl\n' "$port" "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days 3000 -sha256 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
  ca_config "$1"
}

leaf() { # name ca "subject" eku [startdate enddate] [extra ext lines]
  local name=$1 ca=$2 subj=$3 eku=$4 start=${5:-} end=${6:-} more=${7:-}
  openssl req -new -newkey rsa:2048 -nodes -keyout "certs/$name.key" -out "certs/$name.csr" -utf8 -subj "$subj" 2>/dev/null
  {
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' "$eku"
    printf 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:http://127.0.0.1:%s/%s.crl\n' "$port" "$ca"
    printf 'certificatePolicies=1.2.250.1.71.4.2.7.1.99\n'
    [ -z "$more" ] || printf '%b\n' "$more"
  } > "certs/$name.ext"
  local dates=()
  if [ -n "$start" ]; then dates=(-startdate "$start" -enddate "$end"); fi
  openssl ca -batch -notext -utf8 -preserveDN -md "${LEAF_MD:-sha256}" -config "db/$ca/ca.cnf" -in "certs/$name.csr" -out "certs/$name.pem" \
    -extfile "certs/$name.ext" "${dates[@]}" 2>/dev/null
  openssl x509 -in "certs/$name.pem" -out "certs/$name.pem" # strip anything but the PEM block
  rm -f "certs/$name.csr" "certs/$name.ext"
}

crl() { # ca outname [extra openssl ca args]
  local ca=$1 name=$2; shift 2
  openssl ca -config "db/$ca/ca.cnf" -gencrl -out "crl/$name.crl.pem" "$@" 2>/dev/null
  openssl crl -in "crl/$name.crl.pem" -outform DER -out "crl/$name.crl"
}

root root-fort "$SUFFIX/CN=TEST AC RACINE IGC-SANTE FORT"
root root-elem "$SUFFIX/CN=TEST AC RACINE IGC-SANTE ELEMENTAIRE"
intermediate ca-pers "$SUFFIX/CN=TEST AC IGC-SANTE FORT PERSONNES" root-fort
intermediate ca-org "$SUFFIX/CN=TEST AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" root-elem
# A rogue hierarchy with exactly the same names as the real one, other keys.
root rogue-root "$SUFFIX/CN=TEST AC RACINE IGC-SANTE FORT"
intermediate rogue-pers "$SUFFIX/CN=TEST AC IGC-SANTE FORT PERSONNES" rogue-root

CPS="/C=FR/title=Médecin"
leaf cps-valid ca-pers "$CPS/SN=DUPONT+CN=810100000008+GN=MARIE" clientAuth
leaf cps-expired ca-pers "$CPS/CN=810100000016+SN=ANCIEN+GN=PAUL" clientAuth 200101000000Z 210101000000Z
leaf cps-future ca-pers "$CPS/CN=810100000024+SN=FUTUR+GN=JEANNE" clientAuth 400101000000Z 410101000000Z
leaf cps-revoked ca-pers "$CPS/GN=LUC+SN=REVOQUE+CN=810100000032" clientAuth
leaf cps-email-only ca-pers "$CPS/CN=810100000040+SN=SIGNE+GN=ANNE" emailProtection
leaf cps-adeli ca-pers "/C=FR/title=Infirmier/CN=0751234567+SN=MARTIN+GN=ALICE" clientAuth
leaf cpe ca-pers '/C=FR/O=HOPITAL TEST/OU=1750000000/CN=3750000000\/12345' clientAuth
leaf server ca-org "/C=FR/ST=Paris (75)/O=OPERATEUR TEST/OU=1750000000/CN=mx.operateur.test" serverAuth,clientAuth "" "" 'subjectAltName=DNS:mx.operateur.test,DNS:mx2.operateur.test'
leaf server-other ca-org "/C=FR/ST=Lyon (69)/O=AUTRE OPERATEUR/OU=1690000000/CN=mx.autre.test" serverAuth,clientAuth
leaf org ca-org "/C=FR/O=CLINIQUE TEST/OU=1690000001/CN=CLINIQUE TEST AUTH_CLI" clientAuth
leaf cps-ocsp ca-pers "$CPS/CN=810100000081+SN=OCSP+GN=BON" clientAuth "" "" "authorityInfoAccess=OCSP;URI:http://127.0.0.1:$ocsp_port"
leaf cps-ocsp-revoked ca-pers "$CPS/CN=810100000099+SN=OCSP+GN=REVOQUE" clientAuth "" "" "authorityInfoAccess=OCSP;URI:http://127.0.0.1:$ocsp_port"
leaf cps-critical-ext ca-pers "$CPS/CN=810100000107+SN=CRITIQUE+GN=EXT" clientAuth "" "" "1.2.250.1.71.9.9=critical,ASN1:UTF8String:private"
LEAF_MD=sha1 leaf cps-sha1 ca-pers "$CPS/CN=810100000115+SN=SHA+GN=UN" clientAuth
leaf rogue-cps rogue-pers "$CPS/SN=DUPONT+CN=810100000008+GN=MARIE" clientAuth

openssl ca -config db/ca-pers/ca.cnf -revoke certs/cps-revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config db/ca-pers/ca.cnf -revoke certs/cps-ocsp-revoked.pem -crl_reason superseded 2>/dev/null
crl root-fort root-fort
# A CRL of the FORT root that revokes the PERSONNES CA (revocation of a CA of the path).
openssl ca -config db/root-fort/ca.cnf -revoke ca-pers.pem -crl_reason cACompromise 2>/dev/null
crl root-fort root-fort-revoking-pers
crl root-elem root-elem
crl ca-pers ca-pers
crl ca-org ca-org
# Stale: nextUpdate one hour ago. Wrong key: ca-pers's name, rogue-pers's key.
crl ca-pers ca-pers-stale -crl_lastupdate "$(date -u -d '-3 hours' +%Y%m%d%H%M%SZ)" -crl_nextupdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)"
crl rogue-pers ca-pers-wrongkey
cp crl/root-fort.crl crl/root-elem.crl crl/ca-pers.crl crl/ca-org.crl www/

cat root-fort.pem root-elem.pem ca-pers.pem ca-org.pem > anchors.pem
openssl crl2pkcs7 -nocrl -certfile anchors.pem -outform DER -out igc-sante.p7b
mkdir -p anchors-dir
cp root-fort.pem anchors-dir/root-fort.pem
openssl x509 -in root-elem.pem -outform DER -out anchors-dir/root-elem.cer
openssl crl2pkcs7 -nocrl -certfile ca-pers.pem -certfile ca-org.pem -out anchors-dir/intermediates.p7b

# Trusted list: the list operator's signer, a granted CA and a withdrawn CA, each with a client certificate.
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout tl-signer.key -out tl-signer.pem -days 365 -sha256 \
  -subj "/C=FR/O=TEST TL OPERATOR/CN=TEST TRUSTED LIST SIGNER" 2>/dev/null
openssl pkcs12 -export -in tl-signer.pem -inkey tl-signer.key -out tl-signer.p12 -passout pass:test 2>/dev/null
root tl-granted "/C=FR/O=TEST QTSP/CN=TEST QUALIFIED CA GRANTED"
root tl-withdrawn "/C=FR/O=TEST QTSP/CN=TEST QUALIFIED CA WITHDRAWN"
leaf tl-granted-user tl-granted "/C=FR/CN=810100000057+SN=LISTE+GN=EVE" clientAuth
leaf tl-withdrawn-user tl-withdrawn "/C=FR/CN=810100000065+SN=RETIRE+GN=MAX" clientAuth
chmod 600 ./*.key certs/*.key
echo "test PKI in $(pwd)"
