using MssGateway.Testing;

namespace MssGateway.Packaging.Tests;

/// <summary>
/// Kubeconform-grade validation of manifests with node and the npm packages kubernetes-models and
/// @kubernetes-models/prometheus-operator (kubernetes-validate.mjs beside this file), installed in
/// .tools/kubernetes-models by scripts/install-kubernetes-models.sh. Their absence fails the
/// tests: a manifest nobody validated is not tested.
/// </summary>
public static class KubernetesSchemas
{
    public static string ModelsDirectory => RepositoryPaths.Combine(".tools", "kubernetes-models");

    public static string Script => RepositoryPaths.Combine("tests", "MssGateway.Packaging.Tests", "kubernetes-validate.mjs");

    public static async Task<ExternalProcess.Result> ValidateAsync(string manifestsYaml)
    {
        if (!Directory.Exists(Path.Combine(ModelsDirectory, "node_modules")))
        {
            throw new InvalidOperationException(
                $"The Kubernetes API schemas are not installed in {ModelsDirectory}: run scripts/install-kubernetes-models.sh " +
                "(npm packages kubernetes-models, @kubernetes-models/prometheus-operator and yaml), then run the tests again.");
        }

        return await ExternalProcess.RunAsync("node", [Script, ModelsDirectory], RepositoryPaths.Root, stdin: manifestsYaml, timeout: TimeSpan.FromMinutes(2));
    }
}
