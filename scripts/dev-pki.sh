#!/usr/bin/env bash
# Generates a development PKI shaped like IGC-Santé (domain.md): two roots (FORT for CPS cards,
# ELEMENTAIRE for server certificates), their PERSONNES / ORGANISATIONS intermediates, the gateway's
# server certificate, a CPS-like client certificate and empty CRLs. Nothing here is trusted outside
# dev mode and tests; no private key is ever committed (the output folder is ignored by git).
#
# Usage: scripts/dev-pki.sh OUTDIR [SERVER_CN] [SERVER_DNS...]
# Output: ca.pem (trust bundle: roots + intermediates), server.pem/server.key/server-chain.pem,
#         client-cps.pem/client-cps.key/client-cps.p12 (password "dev"), hospital-mta*.pem/.key and
#         receiver*.pem/.key (the compose stack's Postfixes), crl/*.crl.pem, *.key of the CAs.
set -euo pipefail
out=${1:?usage: dev-pki.sh OUTDIR [SERVER_CN] [SERVER_DNS...]}
server_cn=${2:-gateway.hopital-dev.mssante.test}
shift $(( $# >= 2 ? 2 : $# ))
server_dns=("$@")
[ ${#server_dns[@]} -gt 0 ] || server_dns=(localhost gateway.hopital-dev.mssante.test)

mkdir -p "$out/crl" "$out/db"
cd "$out"
export OPENSSL_CONF=/dev/null
SUFFIX="OU=IGC-SANTE DEV,OU=0002 187512751,O=ASIP-SANTE DEV,C=FR"

ca_config() { # name
  mkdir -p "db/$1"; : > "db/$1/index.txt"; [ -f "db/$1/crlnumber" ] || echo 1000 > "db/$1/crlnumber"
  cat > "db/$1/ca.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
database = db/$1/index.txt
crlnumber = db/$1/crlnumber
default_md = sha256
default_crl_days = 30
certificate = $1.pem
private_key = $1.key
CNF
}

root() { # name cn
  openssl req -x509 -new -newkey rsa:3072 -nodes -keyout "$1.key" -out "$1.pem" -days 3650 -sha256 \
    -subj "/C=FR/O=ASIP-SANTE DEV/OU=0002 187512751/OU=IGC-SANTE DEV/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  ca_config "$1"
}

intermediate() { # name cn issuer
  openssl req -new -newkey rsa:3072 -nodes -keyout "$1.key" -out "$1.csr" \
    -subj "/C=FR/O=ASIP-SANTE DEV/OU=0002 187512751/OU=IGC-SANTE DEV/CN=$2" 2>/dev/null
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days 3000 -sha256 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
  ca_config "$1"
}

if [ ! -f ca.pem ]; then
  root root-fort "DEV AC RACINE IGC-SANTE FORT"
  root root-elementaire "DEV AC RACINE IGC-SANTE ELEMENTAIRE"
  intermediate ca-fort-personnes "DEV AC IGC-SANTE FORT PERSONNES" root-fort
  intermediate ca-elementaire-organisations "DEV AC IGC-SANTE ELEMENTAIRE ORGANISATIONS" root-elementaire
  cat root-fort.pem root-elementaire.pem ca-fort-personnes.pem ca-elementaire-organisations.pem > ca.pem
fi

if [ ! -f server.pem ]; then
  san=""; for d in "${server_dns[@]}"; do san="${san:+$san,}DNS:$d"; done; san="$san,IP:127.0.0.1"
  openssl req -new -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
    -subj "/C=FR/ST=Paris (75)/O=HOPITAL DEV/OU=1750000000/CN=$server_cn" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$san" > server.ext
  openssl x509 -req -in server.csr -CA ca-elementaire-organisations.pem -CAkey ca-elementaire-organisations.key \
    -CAcreateserial -out server.pem -days 825 -sha256 -extfile server.ext 2>/dev/null
  cat server.pem ca-elementaire-organisations.pem > server-chain.pem
  rm -f server.csr server.ext
fi

if [ ! -f client-cps.pem ]; then
  # CPS subject: multi-valued first RDN CN=<8+RPPS>+SN=<name>+GN=<given name>, then title (profession).
  openssl req -new -newkey rsa:2048 -nodes -keyout client-cps.key -out client-cps.csr -utf8 -multivalue-rdn \
    -subj "/C=FR/title=Médecin/CN=899700012349+SN=SENDER+GN=DEV" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > client.ext
  openssl x509 -req -in client-cps.csr -CA ca-fort-personnes.pem -CAkey ca-fort-personnes.key \
    -CAcreateserial -out client-cps.pem -days 825 -sha256 -extfile client.ext 2>/dev/null
  openssl pkcs12 -export -in client-cps.pem -inkey client-cps.key -certfile ca-fort-personnes.pem \
    -out client-cps.p12 -passout pass:dev -name "DEV SENDER" 2>/dev/null
  cat client-cps.pem ca-fort-personnes.pem > client-cps-chain.pem
  rm -f client-cps.csr client.ext
fi

# Organisation certificates of the compose stack's two other mail systems (docker/postfix): the
# hospital's MTA, which relays to the gateway (client authentication; its DN is listed for the
# hospital's domain in docker/directory-sync/listeblanche-dev.xml), and the receiving MX of another
# operator (server and client authentication; its DN listed for operateur-b.mssante.test).
org_cert() { # name subject eku san
  [ -f "$1.pem" ] && return 0
  openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n%s' "$3" "${4:+subjectAltName=$4
}" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca-elementaire-organisations.pem -CAkey ca-elementaire-organisations.key \
    -CAcreateserial -out "$1.pem" -days 825 -sha256 -extfile "$1.ext" 2>/dev/null
  cat "$1.pem" ca-elementaire-organisations.pem > "$1-chain.pem"
  rm -f "$1.csr" "$1.ext"
}
org_cert hospital-mta "/C=FR/ST=Paris (75)/O=HOPITAL DEV/OU=1750000000/CN=mta.hopital-dev.mssante.test" clientAuth "DNS:mta.hopital-dev.mssante.test"
org_cert receiver "/C=FR/ST=Rhone (69)/O=OPERATEUR B DEV/OU=1990000000/CN=mx.operateur-b.mssante.test" serverAuth,clientAuth "DNS:mx.operateur-b.mssante.test"

for ca in root-fort root-elementaire ca-fort-personnes ca-elementaire-organisations; do
  openssl ca -config "db/$ca/ca.cnf" -gencrl -out "crl/$ca.crl.pem" 2>/dev/null
done
chmod 600 ./*.key
echo "dev PKI in $(pwd)"
