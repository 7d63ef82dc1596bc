namespace MssGateway.Trust.Tests;

/// <summary>
/// Certificate-to-holder mapping of IGC-Santé profiles (issue 3 §4), on openssl-made certificates, for a
/// given issuer kind (which CA gives which kind: <see cref="HolderKindTests"/>).
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class IdentityTests(TestPki pki)
{
    [Fact]
    public void Cps_card_gives_rpps_identifier_names_and_profession_whatever_the_rdn_order()
    {
        // cps-valid was requested as SN+CN+GN, cps-revoked as GN+SN+CN.
        var a = CertificateIdentityReader.Read(pki.Leaf("cps-valid"), CertificateKind.PersonalCps);
        Assert.Equal(CertificateKind.PersonalCps, a.Kind);
        Assert.Equal("810100000008", a.NationalIdentifier);
        Assert.Equal("DUPONT", a.LastName);
        Assert.Equal("MARIE", a.FirstName);
        Assert.Equal("Médecin", a.Profession);
        Assert.Equal("CN=810100000008+SN=DUPONT+GN=MARIE,title=Médecin,C=FR", a.Subject);

        var b = CertificateIdentityReader.Read(pki.Leaf("cps-revoked"), CertificateKind.PersonalCps);
        Assert.Equal("810100000032", b.NationalIdentifier);
        Assert.Equal("REVOQUE", b.LastName);
        Assert.Equal("LUC", b.FirstName);
    }

    [Fact]
    public void Adeli_card_keeps_its_type_prefix_0()
    {
        var id = CertificateIdentityReader.Read(pki.Leaf("cps-adeli"), CertificateKind.PersonalCps);
        Assert.Equal(CertificateKind.PersonalCps, id.Kind);
        Assert.Equal("0751234567", id.NationalIdentifier);
        Assert.Equal("Infirmier", id.Profession);
    }

    [Fact]
    public void Employee_card_gives_finess_based_identifier_and_structure()
    {
        var id = CertificateIdentityReader.Read(pki.Leaf("cpe"), CertificateKind.PersonalCps);
        Assert.Equal(CertificateKind.PersonalCps, id.Kind);
        Assert.Equal("3750000000/12345", id.NationalIdentifier);
        Assert.Equal("1750000000", id.StructureIdentifier);
    }

    [Fact]
    public void Operator_server_certificate_gives_structure_and_dns_names()
    {
        var id = CertificateIdentityReader.Read(pki.Leaf("server"));
        Assert.Equal(CertificateKind.Server, id.Kind);
        Assert.Null(id.NationalIdentifier);
        Assert.Equal("1750000000", id.StructureIdentifier);
        Assert.Equal(["mx.operateur.test", "mx2.operateur.test"], id.DnsNames);
        Assert.Equal("CN=mx.operateur.test,OU=1750000000,O=OPERATEUR TEST,ST=Paris (75),C=FR", id.Subject);
    }

    [Fact]
    public void Organisation_certificate_gives_its_structure()
    {
        var id = CertificateIdentityReader.Read(pki.Leaf("org"));
        Assert.Equal(CertificateKind.Organisation, id.Kind);
        Assert.Equal("1690000001", id.StructureIdentifier);
        Assert.Empty(id.DnsNames);
    }

    [Fact]
    public void Card_shaped_certificate_read_for_an_organisation_ca_has_no_identifier_nor_names()
    {
        var id = CertificateIdentityReader.Read(pki.Leaf("cps-valid"), CertificateKind.Organisation);
        Assert.Equal(CertificateKind.Organisation, id.Kind);
        Assert.Null(id.NationalIdentifier);
        Assert.Null(id.LastName);
        Assert.Equal("CN=810100000008+SN=DUPONT+GN=MARIE,title=Médecin,C=FR", id.Subject);
    }

    [Fact]
    public void Certificate_of_a_cps_issuer_without_a_national_identifier_cn_has_no_kind()
    {
        var id = CertificateIdentityReader.Read(pki.Leaf("org"), CertificateKind.PersonalCps);
        Assert.Equal(CertificateKind.Unknown, id.Kind);
        Assert.Null(id.NationalIdentifier);
    }

    [Fact]
    public void Serial_and_thumbprint_are_those_of_the_certificate()
    {
        var cert = pki.Leaf("cps-valid");
        var id = CertificateIdentityReader.Read(cert);
        Assert.Equal(cert.SerialNumber, id.SerialNumber);
        Assert.Equal(64, id.Thumbprint.Length);
    }
}
