{
  # A dev shell for working on Seam itself: `nix develop`, then `npm ci && npm test`.
  # (Seam generates a different flake for your ML projects; this one is only for contributors.)
  description = "Seam: reproducible Nix + uv environments for ML projects (contributor shell)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          name = "seam-dev";
          packages = [
            pkgs.nodejs_22 # builds and tests the extension, the CLI and the language server
            pkgs.nix # the flake checks in the test suite
            pkgs.uv # the uv layer Seam generates
            pkgs.git
            (pkgs.python3.withPackages (ps: [ ps.packaging ])) # the reference `npm run bench` compares with
          ];
          shellHook = ''
            export NIX_CONFIG="experimental-features = nix-command flakes"
          '';
        };
      });

      formatter = forAllSystems (pkgs: pkgs.nixpkgs-fmt);
    };
}
