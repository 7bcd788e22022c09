-- when: SELECT COUNT(*) FROM techmail_certificates WHERE kind = 'Ca'
-- Databases made before S/MIME CAs and server-TLS CAs were told apart: every CA imported then was imported for
-- S/MIME (cert import --kind ca) and stays an S/MIME CA. It no longer vouches for mail servers; an admin who relied on
-- that imports the CA again with --kind server-ca.
UPDATE techmail_certificates SET kind = 'SmimeCa' WHERE kind = 'Ca';
