namespace MssGateway.Trust;

/// <summary>Section <c>Gateway:Trust:TrustedList</c>.</summary>
public sealed class TrustedListOptions
{
    /// <summary>Path of the trusted-list XML file; empty disables the trusted list.</summary>
    public string? Path { get; set; }

    /// <summary>PEM or DER certificate of the list operator, whose key must have signed the list (required with <see cref="Path"/>).</summary>
    public string? SignerCertificateFile { get; set; }

    /// <summary>
    /// Service types whose certificates are taken (ServiceTypeIdentifier URIs). Default the CA types
    /// <c>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</c> and <c>…/CA/PKC</c>.
    /// </summary>
    public List<string> ServiceTypes { get; set; } =
    [
        "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
        "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC",
    ];

    /// <summary>Service statuses taken as trusted. Default <c>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</c>.</summary>
    public List<string> GrantedStatuses { get; set; } = ["http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"];
}
