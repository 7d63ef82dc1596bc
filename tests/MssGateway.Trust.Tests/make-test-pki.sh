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
SUFFIX="/C=FR/O=ASIP-SANTE/OU=0002 187512751/OU=IGC-SANTE TEST"

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
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:http://127.0.0.1:%s/%s.crl\ncertificatePolicies=2.5.29.32.0\n' "$port" "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days 3000 -sha256 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
  ca_config "$1"
}

leaf() { # name ca "subject" eku [startdate enddate] [extra ext lines]; LEAF_DP overrides the distribution point
  local name=$1 ca=$2 subj=$3 eku=$4 start=${5:-} end=${6:-} more=${7:-}
  # P-256 keys: an RSA key costs a hundred times more to make, and the CAs (RSA) sign either alike.
  local key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  openssl req -new "${key[@]}" -nodes -keyout "certs/$name.key" -out "certs/$name.csr" -utf8 -subj "$subj" 2>/dev/null
  {
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' "$eku"
    printf 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:%s\n' "${LEAF_DP:-http://127.0.0.1:$port/$ca.crl}"
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

# A CRL of CA $1 listing what index file $2 lists (a snapshot of its database), with the CRL extension
# section of crl-ext.cnf named $4 (or none), written as crl/$3.crl: the narrower CRLs an attacker would serve.
crl_of() { # ca index outname [crlexts section] [extra openssl ca args]
  local ca=$1 index=$2 name=$3 section=${4:-}; shift 3; [ $# -eq 0 ] || shift
  sed "s#^database = .*#database = $index#" "db/$ca/ca.cnf" > "db/$ca/variant.cnf"
  cat crl-ext.cnf >> "db/$ca/variant.cnf"
  local exts=()
  [ -z "$section" ] || exts=(-crlexts "$section")
  openssl ca -config "db/$ca/variant.cnf" -gencrl "${exts[@]}" -out "crl/$name.crl.pem" "$@" 2>/dev/null
  openssl crl -in "crl/$name.crl.pem" -outform DER -out "crl/$name.crl"
}

hoursago() { date -u -d "-$1 hours" +%Y%m%d%H%M%SZ; }

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

: > db/empty-index.txt # a CA database that lists nothing: the source of "narrower" CRLs
openssl ca -config db/ca-pers/ca.cnf -revoke certs/cps-revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config db/ca-pers/ca.cnf -revoke certs/cps-ocsp-revoked.pem -crl_reason superseded 2>/dev/null
crl root-fort root-fort
# A CRL of the FORT root that revokes the PERSONNES CA (revocation of a CA of the path); an hour old, so
# the narrower CRLs below are newer (what a "take the newest CRL" rule would pick).
openssl ca -config db/root-fort/ca.cnf -revoke ca-pers.pem -crl_reason cACompromise 2>/dev/null
crl root-fort root-fort-revoking-pers -crl_lastupdate "$(hoursago 1)"
crl root-elem root-elem
crl ca-pers ca-pers -crl_lastupdate "$(hoursago 1)"
crl ca-org ca-org
# Stale: nextUpdate one hour ago. Wrong key: ca-pers's name, rogue-pers's key.
crl ca-pers ca-pers-stale -crl_lastupdate "$(date -u -d '-3 hours' +%Y%m%d%H%M%SZ)" -crl_nextupdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)"
crl rogue-pers ca-pers-wrongkey
# The next CRL of the PERSONNES CA (a higher cRLNumber than ca-pers and ca-pers-stale).
crl ca-pers ca-pers-renewed
cp crl/root-fort.crl crl/root-elem.crl crl/ca-pers.crl crl/ca-org.crl www/

# --- Issue 12 rule 3: the holder kind comes from the issuing CA -------------------------------------
# An ORGANISATIONS certificate whose CN is a real holder's RPPS identifier (plain and card-shaped),
# and a look-alike PERSONNES CA certified by another trusted root (a trusted-list QTSP, say).
leaf org-rpps-cn ca-org "/C=FR/O=CLINIQUE TEST/OU=1690000001/CN=810100000008" clientAuth
leaf org-card-shaped ca-org "$CPS/SN=DUPONT+CN=810100000008+GN=MARIE" clientAuth
root other-root "/C=FR/O=TEST QTSP/CN=TEST QTSP ROOT"
intermediate lookalike-pers "$SUFFIX/CN=TEST AC IGC-SANTE FORT PERSONNES" other-root
leaf lookalike-cps lookalike-pers "$CPS/SN=DUPONT+CN=810100000008+GN=MARIE" clientAuth

# --- Issue 12 rule 6: CRL scope, delta CRLs, extensions ---------------------------------------------
cat > crl-ext.cnf <<CNF
[ users_only ]
issuingDistributionPoint = critical, @users_only_idp
[ users_only_idp ]
onlyuser = TRUE
[ cas_only ]
issuingDistributionPoint = critical, @cas_only_idp
[ cas_only_idp ]
onlyCA = TRUE
[ part_a ]
issuingDistributionPoint = critical, @part_a_idp
[ part_a_idp ]
fullname = URI:http://127.0.0.1:$port/ca-pers-part-a.crl
[ responders ]
issuingDistributionPoint = critical, @responders_idp
[ responders_idp ]
fullname = URI:http://127.0.0.1:$port/ca-pers-responders.crl
[ key_compromise_only ]
issuingDistributionPoint = critical, @key_compromise_idp
[ key_compromise_idp ]
onlysomereasons = keyCompromise
[ indirect ]
issuingDistributionPoint = critical, @indirect_idp
[ indirect_idp ]
indirectCRL = TRUE
[ critical_ext ]
1.2.250.1.71.9.9 = critical, ASN1:NULL
CNF
# Narrower CRLs, newer than the complete ones and listing nothing.
crl_of root-fort db/empty-index.txt root-fort-users-only users_only
crl_of ca-pers db/empty-index.txt ca-pers-cas-only cas_only
crl_of ca-pers db/empty-index.txt ca-pers-part-a part_a
crl_of ca-pers db/empty-index.txt ca-pers-key-compromise-only key_compromise_only
crl_of ca-pers db/ca-pers/index.txt ca-pers-indirect indirect
crl_of ca-pers db/ca-pers/index.txt ca-pers-critical-ext critical_ext
# Delta CRLs: one "served in place of the base" (empty, base = ca-pers); a base B with a card on hold,
# then a delta of B releasing the hold (removeFromCRL) and revoking a card revoked since; a delta of a
# base we do not have.
number() { openssl crl -in "crl/$1.crl.pem" -noout -crlnumber | sed 's/^crlNumber=//'; }
printf '[ delta_of_ca_pers ]\n2.5.29.27 = critical, ASN1:INTEGER:%s\n' "$(number ca-pers)" >> crl-ext.cnf
crl_of ca-pers db/empty-index.txt ca-pers-delta-empty delta_of_ca_pers
leaf cps-hold ca-pers "$CPS/CN=810100000131+SN=SUSPENDU+GN=LEA" clientAuth
leaf cps-late ca-pers "$CPS/CN=810100000149+SN=TARDIF+GN=LEO" clientAuth
openssl ca -config db/ca-pers/ca.cnf -revoke certs/cps-hold.pem -crl_hold holdInstructionReject 2>/dev/null
crl ca-pers ca-pers-base
openssl ca -config db/ca-pers/ca.cnf -revoke certs/cps-late.pem -crl_reason keyCompromise 2>/dev/null
serial() { openssl x509 -in "certs/$1.pem" -noout -serial | sed 's/^serial=//'; }
grep -E "\s($(serial cps-hold)|$(serial cps-late))\s" db/ca-pers/index.txt | sed -E 's/,holdInstruction,[^\t]*/,removeFromCRL/' > db/delta-index.txt
printf '[ delta_of_base ]\n2.5.29.27 = critical, ASN1:INTEGER:%s\n' "$(number ca-pers-base)" >> crl-ext.cnf
printf '[ delta_of_future ]\n2.5.29.27 = critical, ASN1:INTEGER:0x%X\n' "$(( $(number ca-pers-base | sed 's/^0x//;s/^/0x/') + 100 ))" >> crl-ext.cnf
crl_of ca-pers db/delta-index.txt ca-pers-delta delta_of_base
crl_of ca-pers db/delta-index.txt ca-pers-delta-future delta_of_future

# --- Issue 12 rule 6: OCSP responders --------------------------------------------------------------
leaf ocsp-signer ca-pers "/C=FR/CN=TEST OCSP PERSONNES" OCSPSigning "" "" "noCheck=ignored"
leaf ocsp-no-eku ca-pers "/C=FR/CN=TEST OCSP SANS EKU" clientAuth "" "" "noCheck=ignored"
leaf ocsp-other-ca ca-org "/C=FR/CN=TEST OCSP AUTRE AC" OCSPSigning "" "" "noCheck=ignored"
leaf ocsp-expired ca-pers "/C=FR/CN=TEST OCSP EXPIRE" OCSPSigning 200101000000Z 210101000000Z "noCheck=ignored"
LEAF_DP="http://127.0.0.1:$port/ca-pers-responders.crl" leaf ocsp-checked ca-pers "/C=FR/CN=TEST OCSP VERIFIE" OCSPSigning
LEAF_DP="http://127.0.0.1:$port/ca-pers-responders.crl" leaf ocsp-checked-revoked ca-pers "/C=FR/CN=TEST OCSP REVOQUE" OCSPSigning
openssl ca -config db/ca-pers/ca.cnf -revoke certs/ocsp-checked-revoked.pem -crl_reason keyCompromise 2>/dev/null
crl_of ca-pers db/ca-pers/index.txt ca-pers-responders responders

# --- Issue 12 rule 7: name constraints and policies ---------------------------------------------------
# A separate root with EC keys; each CA below it states one kind of constraint.
ecert() { # name issuer "subject" ext-section-lines...
  local name=$1 issuer=$2 subj=$3; shift 3
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "certs/$name.csr" -utf8 -subj "$subj" 2>/dev/null
  { echo "[ ext ]"; for line in "$@"; do printf '%b\n' "$line"; done; } > "certs/$name.ext"
  openssl x509 -req -in "certs/$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -set_serial "0x$(openssl rand -hex 12)" \
    -out "$name.pem" -days 365 -sha256 -extfile "certs/$name.ext" -extensions ext 2>/dev/null
  rm -f "certs/$name.csr" "certs/$name.ext"
}
CA_EXT='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign'
LEAF_EXT='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth,serverAuth'
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout nc-root.key -out nc-root.pem -days 3650 -sha256 \
  -subj "/C=FR/O=TEST CONTRAINTES/CN=TEST RACINE CONTRAINTES" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
ca_ext() { echo "$CA_EXT\ncertificatePolicies=2.5.29.32.0\n$1"; }
ecert nc-dn nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC NOMS DN" "$(ca_ext 'nameConstraints=critical,permitted;dirName:dn_sect')" "[ dn_sect ]\nC=FR\nO=HOPITAL A"
ecert nc-dns nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC NOMS DNS" "$(ca_ext 'nameConstraints=critical,permitted;DNS:operateur-a.test,excluded;DNS:interdit.operateur-a.test')"
ecert nc-sub nc-dns "/C=FR/O=TEST CONTRAINTES/CN=TEST AC SOUS DNS" "$(ca_ext '')"
ecert nc-email nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC NOMS EMAIL" "$(ca_ext 'nameConstraints=critical,permitted;email:hopital-a.test')"
ecert nc-ip nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC NOMS IP" "$(ca_ext 'nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0')"
ecert nc-other nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC NOMS UPN" "$(ca_ext 'nameConstraints=critical,permitted;otherName:1.3.6.1.4.1.311.20.2.3;UTF8:hopital-a.test')"
# Leaves go to certs/ (the tests load them as end certificates).
eleaf() { ecert "$@"; mv "$1.pem" "$1.key" certs/; }
eleaf nc-dn-ok nc-dn "/C=FR/O=HOPITAL A/CN=poste1" "$LEAF_EXT"
eleaf nc-dn-out nc-dn "/C=FR/O=HOPITAL B/CN=poste1" "$LEAF_EXT"
eleaf nc-dns-ok nc-dns "/C=FR/O=HOPITAL A/CN=mx.operateur-a.test" "$LEAF_EXT\nsubjectAltName=DNS:mx.operateur-a.test"
eleaf nc-dns-out nc-dns "/C=FR/O=HOPITAL A/CN=mx.operateur-b.test" "$LEAF_EXT\nsubjectAltName=DNS:mx.operateur-b.test"
eleaf nc-dns-cn-out nc-dns "/C=FR/O=HOPITAL A/CN=mx.operateur-b.test" "$LEAF_EXT"
eleaf nc-dns-excluded nc-dns "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=DNS:mx.interdit.operateur-a.test"
eleaf nc-dns-wildcard nc-dns "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=DNS:*.operateur-a.test"
eleaf nc-sub-out nc-sub "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=DNS:mx.operateur-b.test"
eleaf nc-email-ok nc-email "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=email:secretariat@hopital-a.test"
eleaf nc-email-out nc-email "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=email:secretariat@hopital-b.test"
eleaf nc-email-dn-out nc-email "/C=FR/O=HOPITAL A/CN=poste/emailAddress=secretariat@hopital-b.test" "$LEAF_EXT"
eleaf nc-ip-out nc-ip "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=IP:127.0.0.1"
eleaf nc-ip-ok nc-ip "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=IP:10.1.2.3"
eleaf nc-other-upn nc-other "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\nsubjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@hopital-a.test"
eleaf nc-other-plain nc-other "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT"
# Policies: explicit policy required; inhibitAnyPolicy; policy mapping allowed, inhibited, to anyPolicy.
P=1.2.250.1.71.4.2.7.1.99
ecert pc-explicit nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC POLITIQUE EXPLICITE" "$CA_EXT\ncertificatePolicies=$P\npolicyConstraints=requireExplicitPolicy:0"
eleaf pc-explicit-ok pc-explicit "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=$P"
eleaf pc-explicit-other pc-explicit "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=1.2.3.4"
ecert pc-no-policies nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC SANS POLITIQUE" "$CA_EXT\npolicyConstraints=requireExplicitPolicy:0"
eleaf pc-no-policies-leaf pc-no-policies "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=$P"
ecert pc-any nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC TOUTE POLITIQUE" "$CA_EXT\ncertificatePolicies=2.5.29.32.0\npolicyConstraints=requireExplicitPolicy:0"
ecert pc-any-sub pc-any "/C=FR/O=TEST CONTRAINTES/CN=TEST AC SOUS TOUTE POLITIQUE" "$CA_EXT\ncertificatePolicies=2.5.29.32.0"
eleaf pc-any-leaf pc-any-sub "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=$P"
ecert pc-inhibit-any nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC INHIBE ANYPOLICY" "$CA_EXT\ncertificatePolicies=2.5.29.32.0\npolicyConstraints=requireExplicitPolicy:0\ninhibitAnyPolicy=0"
ecert pc-inhibit-sub pc-inhibit-any "/C=FR/O=TEST CONTRAINTES/CN=TEST AC SOUS INHIBE" "$CA_EXT\ncertificatePolicies=2.5.29.32.0"
eleaf pc-inhibit-leaf pc-inhibit-sub "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=$P"
ecert pm-ca nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC CORRESPONDANCE" "$CA_EXT\ncertificatePolicies=1.2.3.1\npolicyMappings=1.2.3.1:1.2.3.2\npolicyConstraints=requireExplicitPolicy:0"
ecert pm-sub pm-ca "/C=FR/O=TEST CONTRAINTES/CN=TEST AC SOUS CORRESPONDANCE" "$CA_EXT\ncertificatePolicies=1.2.3.2"
eleaf pm-leaf pm-sub "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=1.2.3.2"
ecert pm-inhibit nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC INHIBE CORRESPONDANCE" "$CA_EXT\ncertificatePolicies=2.5.29.32.0\npolicyConstraints=requireExplicitPolicy:0,inhibitPolicyMapping:0"
ecert pm-inhibited pm-inhibit "/C=FR/O=TEST CONTRAINTES/CN=TEST AC CORRESPONDANCE INHIBEE" "$CA_EXT\ncertificatePolicies=1.2.3.1\npolicyMappings=1.2.3.1:1.2.3.2"
eleaf pm-inhibited-leaf pm-inhibited "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=1.2.3.2"
ecert pm-to-any nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC CORRESPONDANCE ANYPOLICY" "$CA_EXT\ncertificatePolicies=1.2.3.1\npolicyMappings=1.2.3.1:2.5.29.32.0"
ecert pm-to-any-sub pm-to-any "/C=FR/O=TEST CONTRAINTES/CN=TEST AC SOUS ANYPOLICY" "$CA_EXT\ncertificatePolicies=2.5.29.32.0"
eleaf pm-to-any-leaf pm-to-any-sub "/C=FR/O=HOPITAL A/CN=poste" "$LEAF_EXT\ncertificatePolicies=1.2.3.1"
# Rule 3 by policy: a card-shaped certificate asserting a (test) CPS policy OID, under a CA that
# validates every policy, and under one that states none.
ecert cps-policy-ca nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC POLITIQUE CPS" "$(ca_ext '')"
eleaf cps-by-policy cps-policy-ca "$CPS/SN=MARTIN+CN=810100000156+GN=JULES" "$LEAF_EXT\ncertificatePolicies=1.2.250.1.71.4.2.7.1.42"
ecert plain-ca nc-root "/C=FR/O=TEST CONTRAINTES/CN=TEST AC SANS POLITIQUE CPS" "$CA_EXT"
eleaf cps-by-policy-unvalidated plain-ca "$CPS/SN=MARTIN+CN=810100000156+GN=JULES" "$LEAF_EXT\ncertificatePolicies=1.2.250.1.71.4.2.7.1.42"

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
