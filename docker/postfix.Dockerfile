# syntax=docker/dockerfile:1
#
# A plain Debian Postfix for the compose stack's two simulated mail systems (not a product image):
# the hospital's MTA (docker/postfix/hospital) and another MSSanté operator's receiving MTA
# (docker/postfix/receiver). Their main.cf, master.cf and maps are mounted; certificates come from
# .dev/pki (scripts/dev-pki.sh). Postfix's master runs as root and drops privileges itself.
FROM debian:12.11-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends postfix ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
 && groupadd --gid 5000 vmail && useradd --uid 5000 --gid 5000 --home-dir /var/mail/vhosts --shell /usr/sbin/nologin vmail \
 && mkdir -p /var/mail/vhosts && chown 5000:5000 /var/mail/vhosts
VOLUME ["/var/mail/vhosts"]
EXPOSE 25
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["postfix", "status"]
CMD ["postfix", "start-fg"]
