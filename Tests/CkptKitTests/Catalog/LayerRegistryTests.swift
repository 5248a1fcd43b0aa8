import Testing
@testable import CkptKit

/// Every layer class is registered once (``LayerRegistry``), and what the other tables say of it
/// agrees with its descriptor: a class added to one place and forgotten in another fails here.
@Suite("Layer registry")
struct LayerRegistryTests {
    static var classes: [String] { LayerRegistry.all.keys.sorted() }

    /// Its shape rule is what shape inference does.
    @Test(arguments: classes)
    func shapeRuleAgreesWithShapeInference(className: String) throws {
        let descriptor = try #require(LayerRegistry.descriptor(className))
        switch descriptor.shape {
        case .identity:
            #expect(ShapeInference.identityShaped.contains(className), "\(className) is registered identity-shaped")
        case .inferred:
            #expect(ShapeInference.isKnown(className) && !ShapeInference.identityShaped.contains(className),
                    "\(className) is registered as inferred")
        case .fromBuildConfig:
            #expect(!ShapeInference.isKnown(className), "\(className) is inferred; register it so")
        }
    }

    @Test func catalogSetsComeFromTheRegistry() {
        #expect(LayerCatalog.weightedClasses.isDisjoint(with: LayerCatalog.weightlessClasses))
        #expect(LayerCatalog.weightedClasses.union(LayerCatalog.weightlessClasses) == Set(LayerRegistry.all.keys))
        #expect(Set(LayerRegistry.all.values.map(\.family)) == Set(LayerDescriptor.Family.allCases))
    }

    /// A class the registry does not have is one error naming it and the nearest names, never
    /// another family's code (the old dispatch sent any unlisted class to the normalization table).
    @Test func unknownClassIsAnErrorWithASuggestion() throws {
        let json = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dens", "config": {"name": "l", "units": 3}, "build_config": {"input_shape": [null, 4]}}]}}"#
        let model = try KerasModelReader().read(text: json)
        #expect {
            _ = try LayerCatalog.variables(of: model.layers[0])
        } throws: { error in
            "\(error)".contains("unknown layer class \"Dens\"") && "\(error)".contains("Dense")
        }
    }
}
